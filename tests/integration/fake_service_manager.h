// systemd's side of `supervise --keeper --fd-store`, played by a test (systemd itself is never booted on
// these machines): the NOTIFY_SOCKET datagram socket that hears READY=1, STATUS=, FDSTORE=1 (with FDNAME=
// and the fd) and FDSTOREREMOVE=1; the store it keeps, dropping an fd that hangs up as systemd does
// (FDPOLL); and a start of the service with activated sockets and the stored fds passed back the way
// sd_listen_fds(3) receives them (fds from 3 on, LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/integration/harness.h"
#include "tollgate/unique_fd.h"

namespace tollgate::testing {

// A process the fake service manager started, in a process group of its own: SIGKILLed with everything it
// started (as systemd kills a unit's control group) and reaped when it goes.
class StartedService {
 public:
  explicit StartedService(pid_t pid) : pid_(pid) {}
  ~StartedService();
  StartedService(const StartedService&) = delete;
  StartedService& operator=(const StartedService&) = delete;
  pid_t pid() const { return pid_; }
  // Its exit status (128+N for a signal), waiting at most `timeout`; nullopt if it still runs.
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));

 private:
  pid_t pid_;
  bool reaped_ = false;
};

class FakeServiceManager {
 public:
  explicit FakeServiceManager(const TempDir& dir);
  const std::string& notify_socket() const { return path_; }

  // Handles every notification waiting, then drops stored fds that hung up.
  void drain();
  // How many READY=1 were heard so far (after drain()).
  size_t ready_count() const { return ready_; }
  const std::string& last_status() const { return status_; }
  // Stored fds whose name starts with `prefix`.
  size_t stored(std::string_view prefix) const;

  // Starts `argv` as a service: `sockets` (name, listening fd) first, as the .socket units pass them, then
  // every stored fd. stdout and stderr go to the files.
  std::unique_ptr<StartedService> start(const std::vector<std::string>& argv,
                                        const std::vector<std::pair<std::string, int>>& sockets,
                                        const std::string& out_file, const std::string& err_file);

 private:
  std::string path_;
  UniqueFd socket_;
  size_t ready_ = 0;
  std::string status_;
  std::multimap<std::string, UniqueFd> store_;
};

// A listening Unix stream socket at `path`, as a .socket unit makes.
UniqueFd listening_socket(const std::string& path);

}  // namespace tollgate::testing
