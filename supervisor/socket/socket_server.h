// What every socket the daemon listens on (handover, OCI, control) shares: bind with a mode (and group),
// accept without blocking, learn who connected (SO_PEERCRED), let the owner refuse that peer, bound how many
// connections are open at once, keep each connection alive until it says it has finished, and remove the
// socket file on close. What a connection then reads and answers is its owner's business.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "supervisor/socket/refusal_log.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

class SocketServer;

// Root and the daemon's own uid: the larger share of connections, and their refusals each logged.
bool is_trusted_peer(const ucred& peer);

// One admitted connection. The server owns it from accept until it calls `finished` on the server (after its
// handles have closed); the owner must not touch it after that.
class SocketConnection {
 public:
  explicit SocketConnection(const ucred& peer) : peer_(peer) {}
  virtual ~SocketConnection() = default;
  SocketConnection(const SocketConnection&) = delete;
  SocketConnection& operator=(const SocketConnection&) = delete;

  const ucred& peer() const { return peer_; }
  // The peer was admitted: start reading.
  virtual void start() = 0;
  // Stop everything; finished() follows once the handles have closed.
  virtual void close() = 0;

 private:
  ucred peer_;
};

struct SocketServerOptions {
  std::string path;
  mode_t mode = 0600;
  std::optional<gid_t> group;  // chown the socket file to this group
  // Each uid's share of the connections open at once, so that a user who opens all it can stops nobody
  // else. Root and the daemon's own uid get the larger share: their handovers come in bursts (every
  // container of a host starting at once); the others (users let in with --allow-uid, a control group)
  // get the smaller one. What bounds the total is then the number of uids let in.
  size_t connections_per_uid = 64;
  size_t connections_per_trusted_uid = 4096;
  int backlog = 4096;  // the kernel caps it at net.core.somaxconn
  std::string name;    // for log lines and errors: "handover", "control"
  // The bytes a refused peer is sent, in the owner's protocol, given why it was refused.
  std::function<std::string(const std::string& why)> refusal_text;
};

class SocketServer {
 public:
  // Why a peer may not connect, or nullopt when it may. `fd` is the accepted connection, for
  // SO_PEERGROUPS and the like.
  using PeerCheck = std::function<std::optional<std::string>(int fd, const ucred& peer)>;
  // Makes the connection object for an admitted peer's fd; start() follows.
  using MakeConnection = std::function<std::unique_ptr<SocketConnection>(UniqueFd fd, const ucred& peer)>;

  // Error: a message naming the path.
  static std::expected<std::unique_ptr<SocketServer>, std::string> listen(uv_loop_t* loop,
                                                                          SocketServerOptions options,
                                                                          PeerCheck check,
                                                                          MakeConnection make);
  // Serves a socket that is already listening (socket activation): its file, mode and owner are the service
  // manager's, and it stays in place on close (options.path and group are not used).
  static std::expected<std::unique_ptr<SocketServer>, std::string> adopt(uv_loop_t* loop, UniqueFd socket,
                                                                         SocketServerOptions options,
                                                                         PeerCheck check,
                                                                         MakeConnection make);
  // The owner must have called close() and let the loop run once before destroying a listening server.
  ~SocketServer();
  SocketServer(const SocketServer&) = delete;
  SocketServer& operator=(const SocketServer&) = delete;

  // A connection is done (its handles have closed): it is freed here.
  void finished(SocketConnection* connection);
  // Stops accepting, closes every connection and removes the socket file.
  void close();

  size_t connection_count() const { return connections_.size(); }
  // Peers refused on accept (not let in, over their share, or at the open-file limit).
  uint64_t refused() const { return refused_; }
  size_t connections_of(uid_t uid) const;
  uv_loop_t* loop() const { return loop_; }
  template <typename Fn>
  void for_each_connection(Fn&& fn) const {
    for (auto& [raw, _] : connections_) fn(*raw);
  }

  // Stops and restarts accepting (an upgrade: the next daemon accepts on the same socket). Peers wait in
  // the backlog meanwhile.
  void set_accepting(bool accepting);
  // The listening socket (for the keeper, which holds a copy across restarts).
  int listening_fd() const { return socket_.get(); }

 private:
  SocketServer(uv_loop_t* loop, SocketServerOptions options, UniqueFd socket, PeerCheck check,
               MakeConnection make);
  static void on_readable(uv_poll_t* handle, int status, int events);
  void accept_pending();
  void admit(UniqueFd fd, const ucred& peer);
  void refuse(UniqueFd fd, const ucred& peer, const std::string& why);
  // At the open-file limit: answers one waiting peer with a clear refusal (using the spare fd), and says
  // so in the log at most once per interval. False when there was no peer waiting (or no spare fd).
  bool refuse_for_lack_of_fds(int accept_errno);
  size_t share_of(const ucred& peer) const;
  void pause_accepting();
  static void on_resume(uv_timer_t* timer);

  uv_loop_t* loop_;
  SocketServerOptions options_;
  UniqueFd socket_;
  bool held_back_ = false;  // set_accepting(false)
  PeerCheck check_;
  MakeConnection make_;
  // Held open so that, at the open-file limit, one waiting peer can still be accepted and told why.
  UniqueFd spare_fd_;
  RefusalLog fd_refusals_;
  RefusalLog peer_refusals_;
  uint64_t refused_ = 0;
  uv_poll_t poll_{};
  bool poll_open_ = false;
  uv_timer_t resume_{};  // restarts accepting after a pause at the open-file limit
  bool resume_open_ = false;
  bool closing_ = false;
  std::unordered_map<SocketConnection*, std::unique_ptr<SocketConnection>> connections_;
  std::unordered_map<uid_t, size_t> per_uid_;
};

}  // namespace tollgate
