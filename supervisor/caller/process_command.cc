#include "supervisor/caller/process_command.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/file_text.h"

namespace tollgate {
namespace {

// A pidfd still names a live (or zombie, not yet reaped) process: signal 0 reaches it.
bool still_there(const PinnedProcess& process) {
  return syscall(SYS_pidfd_send_signal, process.pidfd.get(), 0, nullptr, 0) == 0;
}

std::vector<std::string> split_at_nuls(const std::string& text) {
  std::vector<std::string> argv;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    argv.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return argv;
}

}  // namespace

std::shared_ptr<const PinnedProcess> pin_process(pid_t pid) {
  if (pid <= 0) return nullptr;
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) return nullptr;
  return std::make_shared<const PinnedProcess>(PinnedProcess{pid, std::move(pidfd)});
}

std::vector<std::string> current_command(const PinnedProcess& process) {
  const std::string dir = "/proc/" + std::to_string(process.pid) + "/";
  auto cmdline = read_file(dir + "cmdline");
  std::vector<std::string> argv = cmdline ? split_at_nuls(*cmdline) : std::vector<std::string>{};
  if (argv.empty()) {
    auto comm = read_file(dir + "comm");
    if (comm && !comm->empty()) argv = {"[" + comm->substr(0, comm->find('\n')) + "]"};
  }
  // Read first, checked after: if the pid had been reused meanwhile, the pidfd's process is gone.
  if (!still_there(process)) return {};
  return argv;
}

}  // namespace tollgate
