#include "supervisor/socket/socket_server.h"

#include <errno.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "supervisor/socket/unix_socket.h"

namespace tollgate {
namespace {

constexpr std::string_view kOutOfFds =
    "the supervisor is at its open-file limit (RLIMIT_NOFILE); try again later";

}  // namespace

SocketServer::SocketServer(uv_loop_t* loop, SocketServerOptions options, UniqueFd socket, PeerCheck check,
                           MakeConnection make)
    : loop_(loop),
      options_(std::move(options)),
      socket_(std::move(socket)),
      check_(std::move(check)),
      make_(std::move(make)),
      spare_fd_(open("/dev/null", O_RDONLY | O_CLOEXEC)),
      fd_refusals_(kRefusalLogIntervalMs),
      peer_refusals_(kRefusalLogIntervalMs) {
  poll_.data = this;
}

SocketServer::~SocketServer() {
  if (!options_.path.empty()) unlink(options_.path.c_str());
}

std::expected<std::unique_ptr<SocketServer>, std::string> SocketServer::listen(uv_loop_t* loop,
                                                                               SocketServerOptions options,
                                                                               PeerCheck check,
                                                                               MakeConnection make) {
  auto sock = listen_unix_socket(options.path, options.mode, options.backlog);
  if (!sock) return std::unexpected(sock.error());
  if (options.group && chown(options.path.c_str(), static_cast<uid_t>(-1), *options.group) != 0) {
    int e = errno;
    unlink(options.path.c_str());
    return std::unexpected(options.path + ": chown to group " + std::to_string(*options.group) + ": " +
                           std::strerror(e));
  }
  const std::string path = options.path;
  auto server = adopt(loop, std::move(*sock), std::move(options), std::move(check), std::move(make));
  if (!server) {
    unlink(path.c_str());
    return server;
  }
  (*server)->options_.path = path;  // ours: removed on close
  return server;
}

std::expected<std::unique_ptr<SocketServer>, std::string> SocketServer::adopt(
    uv_loop_t* loop, UniqueFd socket, SocketServerOptions options, PeerCheck check, MakeConnection make) {
  options.path.clear();  // the service manager's file: left in place on close
  std::unique_ptr<SocketServer> server(
      new SocketServer(loop, std::move(options), std::move(socket), std::move(check), std::move(make)));
  if (int rc = uv_poll_init(loop, &server->poll_, server->socket_.get()); rc != 0)
    return std::unexpected(server->options_.name + " socket: " + uv_strerror(rc));
  server->poll_open_ = true;
  uv_timer_init(loop, &server->resume_);
  server->resume_.data = server.get();
  server->resume_open_ = true;
  uv_poll_start(&server->poll_, UV_READABLE, &SocketServer::on_readable);
  return server;
}

void SocketServer::on_readable(uv_poll_t* handle, int status, int) {
  auto* self = static_cast<SocketServer*>(handle->data);
  if (status < 0) {
    spdlog::error("{} socket: {}", self->options_.name, uv_strerror(status));
    return;
  }
  self->accept_pending();
}

void SocketServer::accept_pending() {
  // A bounded number per readiness: a peer that reconnects as fast as it is refused must not keep the
  // loop here, where the close callbacks that free refused connections' fds never get to run (the poll is
  // level-triggered, so the rest are accepted on the next turn).
  constexpr int kAcceptsPerTurn = 64;
  for (int accepted = 0; accepted < kAcceptsPerTurn && !closing_; ++accepted) {
    UniqueFd conn(accept4(socket_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!conn) {
      if (errno == EMFILE || errno == ENFILE) {
        // accept fails so before it looks for a peer: go on only while there was one to refuse.
        if (refuse_for_lack_of_fds(errno)) continue;
        // Without a spare fd nobody can be answered, and the socket stays readable: stop polling it for
        // a moment rather than spin.
        if (!spare_fd_) pause_accepting();
        return;
      }
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
        spdlog::warn("accepting a {} connection: {}", options_.name, std::strerror(errno));
      return;
    }
    ucred peer{};
    socklen_t len = sizeof peer;
    if (getsockopt(conn.get(), SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0) continue;
    admit(std::move(conn), peer);
  }
}

bool SocketServer::refuse_for_lack_of_fds(int accept_errno) {
  // The spare fd makes room for exactly one accept; the peer is answered and the room given back.
  if (!spare_fd_) return false;
  spare_fd_.reset();
  UniqueFd conn(accept4(socket_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
  const bool refused = conn.valid();
  if (conn) {
    const std::string text = options_.refusal_text(std::string(kOutOfFds));
    (void)send(conn.get(), text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  conn.reset();
  spare_fd_.reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!refused) return false;
  ++refused_;
  if (auto refusals = fd_refusals_.note(uv_now(loop_)))
    spdlog::error("{} socket: {} connection(s) refused: {} (raise RLIMIT_NOFILE)", options_.name, *refusals,
                  std::strerror(accept_errno));
  return true;
}

void SocketServer::pause_accepting() {
  constexpr uint64_t kRetryMs = 100;
  uv_poll_stop(&poll_);
  uv_timer_start(&resume_, &SocketServer::on_resume, kRetryMs, 0);
}

void SocketServer::set_accepting(bool accepting) {
  if (closing_ || held_back_ == !accepting) return;
  held_back_ = !accepting;
  if (accepting) {
    uv_poll_start(&poll_, UV_READABLE, &SocketServer::on_readable);
  } else {
    uv_poll_stop(&poll_);
    uv_timer_stop(&resume_);
  }
}

void SocketServer::on_resume(uv_timer_t* timer) {
  auto* self = static_cast<SocketServer*>(timer->data);
  if (self->closing_ || self->held_back_) return;
  if (!self->spare_fd_) self->spare_fd_.reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
  uv_poll_start(&self->poll_, UV_READABLE, &SocketServer::on_readable);
}

bool is_trusted_peer(const ucred& peer) {
  return peer.uid == 0 || peer.uid == geteuid();
}

size_t SocketServer::share_of(const ucred& peer) const {
  return is_trusted_peer(peer) ? options_.connections_per_trusted_uid : options_.connections_per_uid;
}

size_t SocketServer::connections_of(uid_t uid) const {
  auto it = per_uid_.find(uid);
  return it == per_uid_.end() ? 0 : it->second;
}

void SocketServer::admit(UniqueFd fd, const ucred& peer) {
  std::optional<std::string> refusal = check_(fd.get(), peer);
  if (!refusal && connections_of(peer.uid) >= share_of(peer))
    refusal = "uid " + std::to_string(peer.uid) + " already has " + std::to_string(connections_of(peer.uid)) +
              " " + options_.name + " connections open (its share)";
  if (refusal) return refuse(std::move(fd), peer, *refusal);
  auto connection = make_(std::move(fd), peer);
  SocketConnection* raw = connection.get();
  connections_.emplace(raw, std::move(connection));
  ++per_uid_[peer.uid];
  raw->start();
}

// A refused peer gets no connection object and no loop handles: one send and the close. A peer that
// reconnects as fast as it is refused then holds up the peers queued behind it in the kernel's backlog
// (which is first come, first served, whoever they are) for microseconds each, not for a turn of the loop.
void SocketServer::refuse(UniqueFd fd, const ucred& peer, const std::string& why) {
  ++refused_;
  const std::string text = options_.refusal_text(why);
  (void)send(fd.get(), text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (auto refusals = peer_refusals_.note(uv_now(loop_)))
    spdlog::warn("{} connection from pid {} (uid {}) refused: {}{}", options_.name, peer.pid, peer.uid, why,
                 RefusalLog::counted(*refusals, "refused"));
}

void SocketServer::finished(SocketConnection* connection) {
  auto it = connections_.find(connection);
  if (it == connections_.end()) return;
  const uid_t uid = connection->peer().uid;
  if (auto count = per_uid_.find(uid); count != per_uid_.end() && --count->second == 0) per_uid_.erase(count);
  connections_.erase(it);
}

void SocketServer::close() {
  if (closing_) return;
  closing_ = true;
  std::vector<SocketConnection*> open;
  for (auto& [raw, _] : connections_) open.push_back(raw);
  for (SocketConnection* c : open) c->close();
  if (poll_open_) uv_close(reinterpret_cast<uv_handle_t*>(&poll_), nullptr);
  if (resume_open_) uv_close(reinterpret_cast<uv_handle_t*>(&resume_), nullptr);
  if (!options_.path.empty()) unlink(options_.path.c_str());
  options_.path.clear();
}

}  // namespace tollgate
