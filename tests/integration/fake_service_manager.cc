#include "tests/integration/fake_service_manager.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "core/fd_passing.h"

namespace tollgate::testing {

StartedService::~StartedService() {
  // Everything the service started goes too (its daemon, say), as systemd kills a unit's control group:
  // the service runs in a process group of its own.
  kill(-pid_, SIGKILL);
  if (!reaped_) waitpid(pid_, nullptr, 0);
}

std::optional<int> StartedService::wait(std::chrono::milliseconds timeout) {
  int status = 0;
  if (!reaped_ && !eventually([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout))
    return std::nullopt;
  reaped_ = true;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

UniqueFd listening_socket(const std::string& path) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (!fd || bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fd.get(), 128) != 0)
    throw std::runtime_error("cannot listen on " + path);
  return fd;
}

FakeServiceManager::FakeServiceManager(const TempDir& dir)
    : path_(dir.file("notify.sock")), socket_(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
  if (!socket_ || bind(socket_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("cannot bind " + path_);
}

void FakeServiceManager::drain() {
  while (true) {
    char text[4096];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 16)];
    iovec iov{text, sizeof text};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(socket_.get(), &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) break;
    std::vector<UniqueFd> fds = take_passed_fds(msg);
    // One assignment per line, as sd_notify(3) sends them.
    std::map<std::string, std::string> fields;
    const std::string message(text, static_cast<size_t>(n));
    size_t start = 0;
    while (start < message.size()) {
      size_t end = message.find('\n', start);
      if (end == std::string::npos) end = message.size();
      const std::string line = message.substr(start, end - start);
      if (const size_t eq = line.find('='); eq != std::string::npos)
        fields[line.substr(0, eq)] = line.substr(eq + 1);
      start = end + 1;
    }
    if (fields["READY"] == "1") ++ready_;
    if (fields.contains("STATUS")) status_ = fields["STATUS"];
    const std::string name = fields.contains("FDNAME") ? fields["FDNAME"] : "stored";
    if (fields["FDSTORE"] == "1")
      for (auto& fd : fds) store_.emplace(name, std::move(fd));
    if (fields["FDSTOREREMOVE"] == "1") store_.erase(name);
  }
  // FDPOLL: an fd that hangs up (a listener whose filter no process uses any more) leaves the store.
  for (auto it = store_.begin(); it != store_.end();) {
    pollfd p{it->second.get(), 0, 0};
    if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)) != 0)
      it = store_.erase(it);
    else
      ++it;
  }
}

size_t FakeServiceManager::stored(std::string_view prefix) const {
  size_t n = 0;
  for (const auto& [name, fd] : store_) n += name.starts_with(prefix) ? 1 : 0;
  return n;
}

std::unique_ptr<StartedService> FakeServiceManager::start(
    const std::vector<std::string>& argv, const std::vector<std::pair<std::string, int>>& sockets,
    const std::string& out_file, const std::string& err_file) {
  drain();
  std::vector<int> fds;
  std::string names;
  auto pass = [&](const std::string& name, int fd) {
    fds.push_back(fd);
    names += (names.empty() ? "" : ":") + name;
  };
  for (const auto& [name, fd] : sockets) pass(name, fd);
  for (const auto& [name, fd] : store_) pass(name, fd.get());
  // Everything the child needs is made before fork: after it, only plain syscalls.
  std::vector<std::string> args = {"/bin/sh", "-c", "export LISTEN_PID=$$; exec \"$@\"", "sh"};
  args.insert(args.end(), argv.begin(), argv.end());
  std::vector<std::string> env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "NOTIFY_SOCKET=" + path_,
                                  "LISTEN_FDS=" + std::to_string(fds.size()), "LISTEN_FDNAMES=" + names};
  std::vector<char*> arg_ptrs, env_ptrs;
  for (auto& a : args) arg_ptrs.push_back(a.data());
  arg_ptrs.push_back(nullptr);
  for (auto& e : env) env_ptrs.push_back(e.data());
  env_ptrs.push_back(nullptr);
  UniqueFd out(open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  UniqueFd err(open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!out || !err) throw std::runtime_error("cannot open " + out_file + " or " + err_file);
  const int first_free = 3 + static_cast<int>(fds.size());
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    dup2(out.get(), 1);
    dup2(err.get(), 2);
    // Out of the way first, so that placing them at 3, 4, ... never overwrites one still to be placed.
    std::vector<int>& high = fds;
    for (int& fd : high) fd = fcntl(fd, F_DUPFD_CLOEXEC, first_free);
    for (size_t i = 0; i < high.size(); ++i) dup2(high[i], 3 + static_cast<int>(i));  // without CLOEXEC
    execve(arg_ptrs[0], arg_ptrs.data(), env_ptrs.data());
    _exit(127);
  }
  return std::make_unique<StartedService>(pid);
}

}  // namespace tollgate::testing
