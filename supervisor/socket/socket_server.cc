#include "supervisor/socket/socket_server.h"

#include <errno.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "supervisor/socket/unix_socket.h"

namespace tollgate {

SocketServer::SocketServer(uv_loop_t* loop, SocketServerOptions options, UniqueFd socket, PeerCheck check,
                           MakeConnection make)
    : loop_(loop),
      options_(std::move(options)),
      socket_(std::move(socket)),
      check_(std::move(check)),
      make_(std::move(make)) {
  poll_.data = this;
}

SocketServer::~SocketServer() {
  if (!options_.path.empty()) unlink(options_.path.c_str());
}

std::expected<std::unique_ptr<SocketServer>, std::string> SocketServer::listen(uv_loop_t* loop,
                                                                               SocketServerOptions options,
                                                                               PeerCheck check,
                                                                               MakeConnection make) {
  auto sock = listen_unix_socket(options.path, options.mode);
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

std::expected<std::unique_ptr<SocketServer>, std::string> SocketServer::adopt(uv_loop_t* loop, UniqueFd socket,
                                                                              SocketServerOptions options,
                                                                              PeerCheck check,
                                                                              MakeConnection make) {
  options.path.clear();  // the service manager's file: left in place on close
  std::unique_ptr<SocketServer> server(
      new SocketServer(loop, std::move(options), std::move(socket), std::move(check), std::move(make)));
  if (int rc = uv_poll_init(loop, &server->poll_, server->socket_.get()); rc != 0)
    return std::unexpected(server->options_.name + " socket: " + uv_strerror(rc));
  server->poll_open_ = true;
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
  while (!closing_) {
    UniqueFd conn(accept4(socket_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!conn) {
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

void SocketServer::admit(UniqueFd fd, const ucred& peer) {
  std::optional<std::string> refusal = check_(fd.get(), peer);
  auto connection = make_(std::move(fd), peer);
  SocketConnection* raw = connection.get();
  connections_.emplace(raw, std::move(connection));
  if (refusal) {
    raw->refuse(*refusal);
  } else if (connections_.size() > options_.max_connections) {
    raw->refuse("too many " + options_.name + " connections at once");
  } else {
    raw->start();
  }
}

void SocketServer::finished(SocketConnection* connection) {
  connections_.erase(connection);
}

void SocketServer::close() {
  if (closing_) return;
  closing_ = true;
  std::vector<SocketConnection*> open;
  for (auto& [raw, _] : connections_) open.push_back(raw);
  for (SocketConnection* c : open) c->close();
  if (poll_open_) uv_close(reinterpret_cast<uv_handle_t*>(&poll_), nullptr);
  if (!options_.path.empty()) unlink(options_.path.c_str());
  options_.path.clear();
}

}  // namespace tollgate
