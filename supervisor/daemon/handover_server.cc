#include "supervisor/daemon/handover_server.h"

#include <errno.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/fd_passing.h"
#include "core/json_input.h"
#include "core/json_message_boundary.h"
#include "core/json_output.h"

namespace tollgate {
namespace {

constexpr size_t kMaxFdsPerMessage = 16;

std::string errno_text(int e) {
  return std::strerror(e);
}

// Errors may quote what the peer sent or a policy file: not necessarily UTF-8 (json_text keeps it valid).
std::string answer_line(bool ok, const std::string& error) {
  nlohmann::json j{{"ok", ok}};
  if (!ok) j["error"] = error;
  return json_text(j) + "\n";
}

bool is_seccomp_listener(int fd) {
  char path[64], target[64] = {};
  std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, target, sizeof target - 1);
  return n > 0 && std::string_view(target, static_cast<size_t>(n)) == "anon_inode:seccomp notify";
}

}  // namespace

class HandoverConnection final : public SocketConnection {
 public:
  HandoverConnection(HandoverServer& server, UniqueFd fd, const ucred& peer)
      : SocketConnection(peer), server_(server), fd_(std::move(fd)) {
    poll_.data = this;
    timer_.data = this;
  }

  // Already reading since watch() (the server refuses a peer before making its connection).
  void start() override {}
  void close() override { close(false); }

  void watch(uv_loop_t* loop) {
    uv_timer_init(loop, &timer_);
    timer_open_ = true;
    ++open_handles_;
    uv_timer_start(&timer_, &HandoverConnection::on_timeout,
                   static_cast<uint64_t>(server_.limits_.read_timeout.count()), 0);
    if (uv_poll_init(loop, &poll_, fd_.get()) != 0) {
      reject("cannot watch the connection");
      return;
    }
    poll_open_ = true;
    ++open_handles_;
    uv_poll_start(&poll_, UV_READABLE | UV_DISCONNECT, &HandoverConnection::on_readable);
  }

  // Idempotent; the server forgets (and frees) us once every handle has closed. Callers touch nothing
  // of ours afterwards.
  void close(bool rejected) {
    if (closing_) return;
    closing_ = true;
    rejected_ = rejected;
    if (open_handles_ == 0) {
      finish();
      return;
    }
    if (timer_open_) uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &HandoverConnection::on_handle_closed);
    if (poll_open_) uv_close(reinterpret_cast<uv_handle_t*>(&poll_), &HandoverConnection::on_handle_closed);
  }

  void reject(const std::string& why) {
    if (closing_) return;
    server_.log_rejection(peer(), why);
    answer(answer_line(false, why));
    close(true);
  }

 private:
  static void on_timeout(uv_timer_t* t) {
    auto* self = static_cast<HandoverConnection*>(t->data);
    self->reject("timed out waiting for the whole message");
  }

  static void on_readable(uv_poll_t* p, int status, int) {
    auto* self = static_cast<HandoverConnection*>(p->data);
    if (status < 0) {
      self->reject(std::string("connection error: ") + uv_strerror(status));
      return;
    }
    self->read_available();
  }

  static void on_handle_closed(uv_handle_t* h) {
    auto* self = static_cast<HandoverConnection*>(h->data);
    if (--self->open_handles_ == 0) self->finish();
  }

  void finish() {
    if (rejected_) ++server_.rejected_;
    server_.socket_->finished(this);  // frees us
  }

  void read_available() {
    while (!closing_) {
      char data[65536];
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
      iovec iov{data, sizeof data};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      ssize_t n = recvmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        reject("reading: " + errno_text(errno));
        return;
      }
      take_fds(msg);
      if ((msg.msg_flags & MSG_CTRUNC) != 0) {
        truncated_fds_ = true;
        // The kernel also truncates when it cannot install a passed fd here: tell that apart for the peer.
        UniqueFd probe(fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
        if (!probe && (errno == EMFILE || errno == ENFILE)) out_of_fds_ = true;
      }
      if (n == 0) {
        complete();
        return;
      }
      first_read_ = false;
      buffer_.append(data, static_cast<size_t>(n));
      if (buffer_.size() > server_.limits_.max_message_bytes) {
        reject("message larger than " + std::to_string(server_.limits_.max_message_bytes) + " bytes");
        return;
      }
      if (boundary_.feed(std::string_view(data, static_cast<size_t>(n)))) {
        complete();
        return;
      }
    }
  }

  // Only the first message may carry fds; any later ones are closed right away.
  void take_fds(msghdr& msg) {
    for (UniqueFd& fd : take_passed_fds(msg)) {
      if (first_read_)
        fds_.push_back(std::move(fd));
      else
        late_fds_ = true;
    }
  }

  void complete() {
    if (truncated_fds_)
      return reject(out_of_fds_ ? "the supervisor is at its open-file limit (RLIMIT_NOFILE); try again later"
                                : "too many file descriptors (control data truncated)");
    if (late_fds_) return reject("file descriptors after the first message");
    // A runtime that fails before sending (or a probe) connects and closes, or dies while writing: say that,
    // not "invalid JSON".
    if (buffer_.empty() && fds_.empty())
      return reject("the peer closed the connection without sending anything");
    if (buffer_.empty())
      return reject("the peer closed the connection after passing " + std::to_string(fds_.size()) +
                    " file descriptor(s) but no message");
    if (boundary_.inside_object())
      return reject("the peer closed the connection in the middle of its message (after " +
                    std::to_string(buffer_.size()) + " bytes)");
    auto parsed = parse_json_input(buffer_);
    if (!parsed) return reject("message is not valid JSON: " + parsed.error().describe());
    nlohmann::json message = std::move(*parsed);
    if (is_oci_message(message)) return complete_oci(message);
    if (fds_.size() != 1)
      return reject("expected exactly one file descriptor (the seccomp listener), got " +
                    std::to_string(fds_.size()));
    if (!is_seccomp_listener(fds_[0].get())) return reject("the file descriptor is not a seccomp listener");
    auto envelope = envelope_from_json(std::move(message));
    if (!envelope) return reject(envelope.error());
    auto accepted = server_.accept_(std::move(*envelope), std::move(fds_[0]), peer());
    if (!accepted) return reject(accepted.error());
    answer(answer_line(true, ""));
    close(false);
  }

  // An OCI runtime's ContainerProcessState: the listener is the fd its "fds" array calls seccompFd; every
  // other passed fd is closed (they go out of scope with fds_).
  void complete_oci(const nlohmann::json& message) {
    auto state = parse_oci_process_state(message);
    if (!state) return reject("OCI state: " + state.error());
    auto index = state->seccomp_fd_index();
    if (!index) return reject("OCI state of container " + state->state.id + ": /fds names no \"seccompFd\"");
    if (state->fds.size() != fds_.size())
      return reject("OCI state of container " + state->state.id + ": /fds names " +
                    std::to_string(state->fds.size()) + " file descriptors, " + std::to_string(fds_.size()) +
                    " were passed");
    UniqueFd listener = std::move(fds_[*index]);
    fds_.clear();
    if (!is_seccomp_listener(listener.get()))
      return reject("OCI state of container " + state->state.id + ": seccompFd is not a seccomp listener");
    if (!server_.oci_accept_) return reject("OCI runtimes are not served on this socket");
    const std::string id = state->state.id;
    auto accepted = server_.oci_accept_(std::move(*state), std::move(listener), peer());
    if (!accepted) return reject("container " + id + ": " + accepted.error());
    answer(answer_line(true, ""));
    close(false);
  }

  void answer(const std::string& line) {
    // Runtimes close without reading: a failed send is fine.
    (void)send(fd_.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }

  HandoverServer& server_;
  UniqueFd fd_;
  std::string buffer_;
  std::vector<UniqueFd> fds_;
  JsonMessageBoundary boundary_;
  bool first_read_ = true;
  bool late_fds_ = false;
  bool truncated_fds_ = false;
  bool out_of_fds_ = false;
  uv_poll_t poll_{};
  uv_timer_t timer_{};
  bool timer_open_ = false;
  bool poll_open_ = false;
  int open_handles_ = 0;
  bool closing_ = false;
  bool rejected_ = false;
};

std::expected<std::unique_ptr<HandoverServer>, std::string> HandoverServer::listen(uv_loop_t* loop,
                                                                                   const std::string& path,
                                                                                   AcceptFn accept,
                                                                                   HandoverLimits limits) {
  return start(loop, path, UniqueFd(), std::move(accept), std::move(limits));
}

std::expected<std::unique_ptr<HandoverServer>, std::string> HandoverServer::adopt(uv_loop_t* loop,
                                                                                  UniqueFd socket,
                                                                                  AcceptFn accept,
                                                                                  HandoverLimits limits) {
  return start(loop, "", std::move(socket), std::move(accept), std::move(limits));
}

std::expected<std::unique_ptr<HandoverServer>, std::string> HandoverServer::start(
    uv_loop_t* loop, const std::string& path, UniqueFd activated, AcceptFn accept, HandoverLimits limits) {
  std::unique_ptr<HandoverServer> server(new HandoverServer(std::move(accept), std::move(limits)));
  HandoverServer* raw = server.get();
  // Only the owner (root) may hand over listeners, unless other users are let in: the socket is created
  // 0600, or 0666 with every peer checked on accept.
  SocketServerOptions options{.path = path,
                              .mode = static_cast<mode_t>(raw->limits_.allowed_uids.empty() ? 0600 : 0666),
                              .group = std::nullopt,
                              .connections_per_uid = raw->limits_.connections_per_uid,
                              .connections_per_trusted_uid = raw->limits_.connections_per_trusted_uid,
                              .name = "handover",
                              .refusal_text = [](const std::string& why) { return answer_line(false, why); }};
  auto check = [raw](int, const ucred& peer) { return raw->refusal_for(peer); };
  auto make = [raw, loop](UniqueFd fd, const ucred& peer) -> std::unique_ptr<SocketConnection> {
    auto connection = std::make_unique<HandoverConnection>(*raw, std::move(fd), peer);
    connection->watch(loop);
    return connection;
  };
  auto socket = activated ? SocketServer::adopt(loop, std::move(activated), std::move(options), check, make)
                          : SocketServer::listen(loop, std::move(options), check, make);
  if (!socket) return std::unexpected(socket.error());
  server->socket_ = std::move(*socket);
  return server;
}

HandoverServer::~HandoverServer() = default;

std::optional<std::string> HandoverServer::refusal_for(const ucred& peer) const {
  const bool allowed = is_trusted_peer(peer) ||
                       std::find(limits_.allowed_uids.begin(), limits_.allowed_uids.end(), peer.uid) !=
                           limits_.allowed_uids.end();
  if (allowed) return std::nullopt;
  return "peer uid " + std::to_string(peer.uid) + " may not hand over listeners";
}

void HandoverServer::log_rejection(const ucred& peer, const std::string& why) {
  std::optional<uint64_t> rejections = 1;
  if (!is_trusted_peer(peer)) rejections = untrusted_rejections_.note(uv_now(socket_->loop()));
  if (!rejections) return;
  spdlog::warn("handover from pid {} (uid {}) rejected: {}{}", peer.pid, peer.uid, why,
               RefusalLog::counted(*rejections, "rejected"));
}

void HandoverServer::close() {
  socket_->close();
}

}  // namespace tollgate
