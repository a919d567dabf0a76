// A raw client of the supervise socket, for hostile handovers: arbitrary bytes, arbitrary fds.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace tollgate::testing {

// The fds ride on the chunk they are paired with.
struct Chunk {
  std::string data;
  std::vector<int> fds;
};

// In the calling (child) process: sets no_new_privs and installs a filter that notifies syscall `nr` and
// allows everything else. Returns the new listener fd, or -1 (errno set).
int install_notify_listener(int nr);
// The same for reboot(2).
int install_reboot_listener();
// The envelope that hands process `pid`'s own listener (from install_notify_listener(__NR_getpriority))
// over under a policy whose rule answers every getpriority call with errno kNumberedErrno: targets number
// their calls by the `who` argument.
inline constexpr int kNumberedErrno = 99;
std::string numbered_envelope(pid_t pid, const std::string& name);
// The envelope that hands process `pid`'s own listener over under the tollgate policy `document` (JSON),
// with `name` as its command line.
std::string policy_envelope(pid_t pid, const std::string& name, const std::string& document);
// A connected socket, or -1.
int connect_to(const std::string& path);
void send_chunk(int s, const Chunk& c);
// Everything the daemon sends until it hangs up or `timeout_ms` passes without data.
std::string read_answer(int s, int timeout_ms = 10000);
// Sends `chunks`, shuts down the write side and returns the daemon's answer line.
std::string hand_over(const std::string& path, const std::vector<Chunk>& chunks);
// True once every copy of the pipe's write end is closed (ours already is): the daemon closed its copy.
bool write_end_closed_everywhere(int read_end);

struct TwoPipesResult {
  std::string answer;
  bool both_closed = false;  // the daemon closed both write ends it was given
};
// Hands over `message` with the write ends of two fresh pipes as its fds.
TwoPipesResult hand_over_with_two_pipes(const std::string& path, const std::string& message);

}  // namespace tollgate::testing
