#include "cli/control_client.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "core/json_input.h"
#include "core/json_output.h"
#include "supervisor/control/control_server.h"

namespace tollgate {

std::expected<ControlClient, std::string> ControlClient::connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return std::unexpected(path + ": socket path too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return std::unexpected(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return std::unexpected(path + ": " + std::strerror(errno) + " (is `tollgate supervise` running?)");
  return ControlClient(std::move(fd));
}

std::expected<void, std::string> ControlClient::send(const nlohmann::json& request) {
  nlohmann::json r = request;
  r["v"] = kControlProtocolVersion;
  const std::string line = json_text(r) + "\n";
  size_t sent = 0;
  while (sent < line.size()) {
    ssize_t n = ::send(fd_.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::unexpected(std::string("sending: ") + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
  return {};
}

std::expected<nlohmann::json, std::string> ControlClient::receive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (size_t nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      auto j = parse_json_input(line);
      if (!j) return std::unexpected("the supervisor sent something that is not JSON");
      return std::move(*j);
    }
    int wait_ms = -1;
    if (timeout.count() >= 0) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::unexpected("no answer from the supervisor");
      wait_ms = static_cast<int>(left.count());
    }
    pollfd p{fd_.get(), POLLIN, 0};
    int rc = poll(&p, 1, wait_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) continue;
    char buf[65536];
    ssize_t n = recv(fd_.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::unexpected("the supervisor closed the connection");
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace tollgate
