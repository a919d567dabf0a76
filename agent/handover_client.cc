#include "agent/handover_client.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "core/fd_passing.h"
#include "core/json_input.h"
#include "tollgate/unique_fd.h"

namespace tollgate {
namespace {

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

std::expected<void, std::string> send_all(int sock, std::string_view data, int fd_to_attach) {
  bool attached = false;
  while (!data.empty()) {
    iovec iov{const_cast<char*>(data.data()), data.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    OneFdControl control;
    // The listener rides on the first byte: receivers take fds from the first message only.
    if (!attached) attach_fd(msg, control, fd_to_attach);
    ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(errno_text("sending the handover"));
    }
    attached = true;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace

std::expected<void, std::string> hand_over_listener(const std::string& socket_path,
                                                    const HandoverEnvelope& envelope, int listener_fd,
                                                    std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path)
    return std::unexpected(socket_path + ": socket path too long");
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  UniqueFd sock(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) return std::unexpected(errno_text("socket"));
  if (connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return std::unexpected(errno_text("connecting to the supervisor at " + socket_path));
  if (auto sent = send_all(sock.get(), serialize_envelope(envelope), listener_fd); !sent) return sent;
  shutdown(sock.get(), SHUT_WR);

  std::string reply;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (reply.find('\n') == std::string::npos) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::unexpected("the supervisor did not answer within " + std::to_string(timeout.count()) +
                             " ms");
    pollfd p{sock.get(), POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) return std::unexpected(errno_text("waiting for the supervisor"));
    if (ready <= 0) continue;
    char buf[4096];
    ssize_t n = recv(sock.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
    if (reply.size() > 65536) break;
  }
  auto parsed = parse_json_input(reply);
  if (!parsed || !parsed->is_object() || !parsed->contains("ok"))
    return std::unexpected("the supervisor closed the connection without a valid answer");
  const nlohmann::json& j = *parsed;
  if (j["ok"] == true) return {};
  return std::unexpected("the supervisor refused the listener: " +
                         j.value("error", std::string("no reason given")));
}

}  // namespace tollgate
