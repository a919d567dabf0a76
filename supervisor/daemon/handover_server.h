// The supervisor's socket: agents and OCI runtimes connect and send one JSON message with the listener in
// SCM_RIGHTS; agents then shut down their write side, runtimes may keep the connection open (the message
// ends with its top-level object). Each connection is read without blocking, bounded in size
// and time; a bad one is answered with an error and dropped without disturbing anything else.
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/oci_state.h"
#include "supervisor/socket/socket_server.h"
#include "tollgate/envelope.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

class HandoverConnection;

struct HandoverLimits {
  size_t max_message_bytes = kMaxEnvelopeBytes;
  std::chrono::milliseconds read_timeout{5000};
  // Connections (each one handover in flight) open at once per uid: see SocketServerOptions.
  size_t connections_per_uid = 64;
  size_t connections_per_trusted_uid = 4096;
  // Users besides root and our own who may hand over listeners (their policies are the daemon's choice:
  // cli/handover_admission.h). With any, the socket is created 0666 and SO_PEERCRED does the refusing.
  std::vector<uid_t> allowed_uids;
};

class HandoverServer {
 public:
  // Called for each complete, well-formed envelope; the error string goes back to the agent.
  using AcceptFn =
      std::function<std::expected<void, std::string>(HandoverEnvelope, UniqueFd listener, const ucred& peer)>;

  // Binds PATH (mode 0600; a stale socket nobody listens on is replaced). Error: a message for the user.
  static std::expected<std::unique_ptr<HandoverServer>, std::string> listen(uv_loop_t* loop, const std::string& path,
                                                                             AcceptFn accept, HandoverLimits limits = {});
  // Serves a socket that is already listening (socket activation): its file, mode and owner are the service
  // manager's, and it is left in place on close.
  static std::expected<std::unique_ptr<HandoverServer>, std::string> adopt(uv_loop_t* loop, UniqueFd socket,
                                                                            AcceptFn accept, HandoverLimits limits = {});
  // OCI runtimes (linux.seccomp.listenerPath) are served once this is set; before, their messages are refused.
  using OciAcceptFn = std::function<std::expected<void, std::string>(OciProcessState, UniqueFd listener, const ucred& peer)>;
  void set_oci_accept(OciAcceptFn accept) { oci_accept_ = std::move(accept); }
  ~HandoverServer();
  HandoverServer(const HandoverServer&) = delete;
  HandoverServer& operator=(const HandoverServer&) = delete;

  // Stops accepting and drops open connections; handles finish closing on the next loop iteration.
  void close();
  size_t connection_count() const { return socket_->connection_count(); }
  // Handovers refused: on accept (the peer, its share, the open-file limit) or for what they sent.
  uint64_t rejected() const { return socket_->refused() + rejected_; }
  int listening_fd() const { return socket_->listening_fd(); }
  void set_accepting(bool accepting) { socket_->set_accepting(accepting); }

 private:
  // listen() (path) and adopt() (activated) share everything else.
  static std::expected<std::unique_ptr<HandoverServer>, std::string> start(uv_loop_t* loop, const std::string& path,
                                                                            UniqueFd activated, AcceptFn accept,
                                                                            HandoverLimits limits);
  friend class HandoverConnection;
  HandoverServer(AcceptFn accept, HandoverLimits limits)
      : accept_(std::move(accept)), limits_(std::move(limits)) {}
  std::optional<std::string> refusal_for(const ucred& peer) const;
  // Root's (and the daemon's own uid's) rejections are each logged: they are runtimes and agents to
  // debug. Other users' go through a RefusalLog: one who sends garbage as fast as it can reconnect
  // must not fill the log.
  void log_rejection(const ucred& peer, const std::string& why);

  AcceptFn accept_;
  OciAcceptFn oci_accept_;
  HandoverLimits limits_;
  uint64_t rejected_ = 0;
  RefusalLog untrusted_rejections_{kRefusalLogIntervalMs};
  std::unique_ptr<SocketServer> socket_;
};

}  // namespace tollgate
