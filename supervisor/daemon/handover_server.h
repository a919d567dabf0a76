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
#include <string>
#include <unordered_map>
#include <vector>

#include "core/oci_state.h"
#include "tollgate/envelope.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

class HandoverConnection;

struct HandoverLimits {
  size_t max_message_bytes = kMaxEnvelopeBytes;
  std::chrono::milliseconds read_timeout{5000};
  size_t max_connections = 256;
  // Users besides root and our own who may hand over listeners (their policies are the daemon's choice:
  // cli/handover_admission.h). With any, the socket is created 0666 and SO_PEERCRED does the refusing.
  std::vector<uid_t> allowed_uids;
};

class HandoverServer {
 public:
  // Called for each complete, well-formed envelope; the error string goes back to the agent.
  using AcceptFn = std::function<std::expected<void, std::string>(HandoverEnvelope, UniqueFd listener, const ucred& peer)>;

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
  size_t connection_count() const { return connections_.size(); }
  uint64_t rejected() const { return rejected_; }

 private:
  friend class HandoverConnection;
  HandoverServer(uv_loop_t* loop, std::string path, UniqueFd socket, AcceptFn accept, HandoverLimits limits);
  static void on_readable(uv_poll_t* handle, int status, int events);
  static void on_closed(uv_handle_t* handle);
  void accept_pending();
  void finished(HandoverConnection* connection, bool rejected);

  uv_loop_t* loop_;
  std::string path_;
  UniqueFd socket_;
  AcceptFn accept_;
  OciAcceptFn oci_accept_;
  HandoverLimits limits_;
  uv_poll_t poll_{};
  bool closing_ = false;
  bool poll_started_ = false;
  uint64_t rejected_ = 0;
  std::unordered_map<HandoverConnection*, std::unique_ptr<HandoverConnection>> connections_;
};

}  // namespace tollgate
