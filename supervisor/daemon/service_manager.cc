#include "supervisor/daemon/service_manager.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace tollgate {
namespace {

constexpr std::array<std::string_view, 3> kKnownNames = {"handover", "oci", "control"};

bool known_name(std::string_view name) {
  for (std::string_view known : kKnownNames)
    if (name == known) return true;
  return false;
}

// sd_listen_fds_with_names hands back a malloc'ed, NULL-terminated array of malloc'ed strings.
struct NamesDeleter {
  void operator()(char** names) const {
    for (char** n = names; *n != nullptr; ++n) std::free(*n);
    std::free(names);
  }
};

}  // namespace

UniqueFd ActivatedSockets::take(std::string_view name) {
  auto it = by_name.find(name);
  if (it == by_name.end()) return UniqueFd();
  UniqueFd fd = std::move(it->second);
  by_name.erase(it);
  return fd;
}

std::expected<ActivatedSockets, std::string> take_activated_sockets(std::string_view stored_prefix) {
  char** raw_names = nullptr;
  // unset_environment=1: a target started later must not think the sockets are meant for it.
  const int count = sd_listen_fds_with_names(1, &raw_names);
  std::unique_ptr<char*, NamesDeleter> names(raw_names);
  if (count < 0) return std::unexpected(std::string("socket activation: ") + std::strerror(-count));
  // Own every fd first, so that each is closed whatever goes wrong below.
  std::vector<UniqueFd> fds;
  for (int i = 0; i < count; ++i) fds.emplace_back(SD_LISTEN_FDS_START + i);
  ActivatedSockets sockets;
  for (int i = 0; i < count; ++i) {
    const std::string name = names ? names.get()[i] : "unknown";
    if (!stored_prefix.empty() && name.starts_with(stored_prefix)) {
      (void)fcntl(fds[i].get(), F_SETFD, FD_CLOEXEC);
      sockets.stored.emplace_back(name, std::move(fds[i]));
      continue;
    }
    if (!known_name(name))
      return std::unexpected("socket activation: a socket named \"" + name +
                             "\" (FileDescriptorName= must be handover, oci or control)");
    if (sd_is_socket_unix(fds[i].get(), SOCK_STREAM, /*listening=*/1, nullptr, 0) <= 0)
      return std::unexpected("socket activation: \"" + name + "\" is not a listening Unix stream socket");
    // The servers accept until EAGAIN from the loop: a blocking socket would stall it. Passed sockets are
    // blocking unless the unit says NonBlocking=yes, and inherited without close-on-exec.
    const int flags = fcntl(fds[i].get(), F_GETFL);
    if (flags < 0 || fcntl(fds[i].get(), F_SETFL, flags | O_NONBLOCK) != 0 ||
        fcntl(fds[i].get(), F_SETFD, FD_CLOEXEC) != 0)
      return std::unexpected("socket activation: \"" + name + "\": " + std::strerror(errno));
    if (sockets.by_name.contains(name))
      return std::unexpected("socket activation: two sockets named \"" + name + "\"");
    sockets.by_name.emplace(name, std::move(fds[i]));
  }
  return sockets;
}

void notify_ready(std::string_view status) {
  const std::string message = "READY=1\nSTATUS=" + std::string(status);
  (void)sd_notify(0, message.c_str());
}

void notify_stopping() {
  (void)sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

}  // namespace tollgate
