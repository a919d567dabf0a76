#include "supervisor/control/control_server.h"

#include "supervisor/monotonic_clock.h"

#include <grp.h>
#include <limits.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "supervisor/socket/unix_socket.h"

namespace tollgate {
namespace {

std::string line_of(nlohmann::json j) {
  if (!j.contains("v")) j["v"] = kControlProtocolVersion;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

nlohmann::json error_body(const std::string& message) {
  return {{"ok", false}, {"error", message}};
}

}  // namespace

class ControlConnection {
 public:
  ControlConnection(ControlServer& server)
      : server_(server),
        time_budget_ns_(static_cast<double>(server.limits_.loop_burst_ns)),
        time_budget_at_ns_(monotonic_ns()) {
    pipe_.data = this;
    idle_.data = this;
    resume_.data = this;
  }

  // Error: libuv's code; the connection is then closing.
  int accept(uv_stream_t* listener) {
    uv_pipe_init(server_.loop_, &pipe_, 0);
    ++open_handles_;
    uv_timer_init(server_.loop_, &idle_);
    ++open_handles_;
    uv_timer_init(server_.loop_, &resume_);
    ++open_handles_;
    if (int rc = uv_accept(listener, reinterpret_cast<uv_stream_t*>(&pipe_)); rc != 0) {
      close();
      return rc;
    }
    return 0;
  }

  int fd() {
    uv_os_fd_t fd = -1;
    uv_fileno(reinterpret_cast<uv_handle_t*>(&pipe_), &fd);
    return fd;
  }

  void start() {
    touch();
    uv_read_start(stream(), &ControlConnection::on_alloc, &ControlConnection::on_read);
  }

  // Sends a last line, then hangs up once it is written.
  void refuse(const std::string& why) {
    spdlog::warn("control connection refused: {}", why);
    send_line(line_of(error_body(why)));
    hang_up();
  }

  void send_line(std::string line) {
    if (closing_ || hanging_up_) return;
    auto* req = new WriteRequest{{}, std::move(line), this};
    req->req.data = req;
    uv_buf_t buf = uv_buf_init(req->data.data(), static_cast<unsigned>(req->data.size()));
    if (uv_write(&req->req, stream(), &buf, 1, &ControlConnection::on_written) != 0) {
      delete req;
      close();
      return;
    }
    ++writes_in_flight_;
    if (uv_stream_get_write_queue_size(stream()) > server_.limits_.max_backlog_bytes) {
      // A client that asks without reading (or watches without reading) is dropped, not buffered forever.
      spdlog::warn("control client dropped: more than {} bytes unread", server_.limits_.max_backlog_bytes);
      close();
    }
  }

  bool watcher() const { return watcher_; }

  void close() {
    if (closing_) return;
    closing_ = true;
    if (watcher_) --server_.watchers_;
    for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&pipe_), reinterpret_cast<uv_handle_t*>(&idle_),
                           reinterpret_cast<uv_handle_t*>(&resume_)})
      if (!uv_is_closing(h)) uv_close(h, &ControlConnection::on_closed);
  }

 private:
  struct WriteRequest {
    uv_write_t req;
    std::string data;
    ControlConnection* owner;
  };

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&pipe_); }

  void touch() {
    if (watcher_) {
      uv_timer_stop(&idle_);
      return;
    }
    uv_timer_start(&idle_, &ControlConnection::on_idle,
                   static_cast<uint64_t>(server_.limits_.idle_timeout.count()), 0);
  }

  void hang_up() {
    if (closing_ || hanging_up_) return;
    hanging_up_ = true;
    uv_read_stop(stream());
    if (writes_in_flight_ == 0) close();
  }

  static void on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
    auto* self = static_cast<ControlConnection*>(h->data);
    *buf = uv_buf_init(self->read_buffer_, sizeof self->read_buffer_);
  }

  static void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
    auto* self = static_cast<ControlConnection*>(s->data);
    if (n < 0) {  // EOF or an error: either way the client is gone
      self->hang_up();
      return;
    }
    if (n == 0) return;
    self->input_.append(buf->base, static_cast<size_t>(n));
    self->touch();
    self->serve();
  }

  // This client's share of the loop's time, refilled as time passes; an expensive request can leave it in
  // debt, which is paid before the next one is served.
  bool has_time_budget() {
    const uint64_t now = monotonic_ns();
    time_budget_ns_ = std::min(static_cast<double>(server_.limits_.loop_burst_ns),
                               time_budget_ns_ + static_cast<double>(now - time_budget_at_ns_) * server_.limits_.loop_share);
    time_budget_at_ns_ = now;
    return time_budget_ns_ > 0;
  }

  // Answers complete lines, at most requests_per_turn of them before letting the loop serve others.
  void serve() {
    size_t served = 0;
    size_t start = 0;
    while (!closing_ && !hanging_up_) {
      size_t nl = input_.find('\n', start);
      if (nl == std::string::npos) break;
      const bool turn_over = served == server_.limits_.requests_per_turn;
      const bool over_rate = !turn_over && (!has_time_budget() || !server_.take_request_token());
      if (turn_over || over_rate) {
        // Let the loop serve targets first; pick up the rest later (the rate budget refills meanwhile).
        input_.erase(0, start);
        uv_read_stop(stream());
        uv_timer_start(&resume_, &ControlConnection::on_resume, over_rate ? 5 : 0, 0);
        return;
      }
      const uint64_t began = monotonic_ns();
      handle_line(std::string_view(input_).substr(start, nl - start));
      time_budget_ns_ -= static_cast<double>(monotonic_ns() - began);
      ++served;
      start = nl + 1;
    }
    if (closing_ || hanging_up_) return;
    input_.erase(0, start);
    if (input_.size() > server_.limits_.max_line_bytes) {
      refuse("message larger than " + std::to_string(server_.limits_.max_line_bytes) + " bytes");
      return;
    }
  }

  void handle_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return;
    if (line.size() > server_.limits_.max_line_bytes) {
      refuse("message larger than " + std::to_string(server_.limits_.max_line_bytes) + " bytes");
      return;
    }
    nlohmann::json request = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (request.is_discarded()) {
      send_line(line_of(error_body("not JSON")));
      return;
    }
    ControlReply reply;
    try {
      reply = server_.handler_(request);
    } catch (const std::exception& e) {  // nothing may escape into libuv
      reply.body = error_body(std::string("internal error: ") + e.what());
    }
    if (!reply.body.contains("ok")) reply.body["ok"] = true;
    send_line(line_of(std::move(reply.body)));
    if (reply.subscribe && !watcher_ && !closing_) {
      watcher_ = true;
      ++server_.watchers_;
      uv_timer_stop(&idle_);
    }
  }

  static void on_resume(uv_timer_t* t) {
    auto* self = static_cast<ControlConnection*>(t->data);
    if (self->closing_ || self->hanging_up_) return;
    uv_read_start(self->stream(), &ControlConnection::on_alloc, &ControlConnection::on_read);
    self->serve();
  }

  static void on_idle(uv_timer_t* t) {
    auto* self = static_cast<ControlConnection*>(t->data);
    self->refuse("idle for too long");
  }

  static void on_written(uv_write_t* req, int status) {
    auto* w = static_cast<WriteRequest*>(req->data);
    ControlConnection* self = w->owner;
    delete w;
    --self->writes_in_flight_;
    if (status < 0) {
      self->close();
    } else if (self->hanging_up_ && self->writes_in_flight_ == 0) {
      self->close();
    }
    self->maybe_finished();
  }

  static void on_closed(uv_handle_t* h) {
    // Each of our three handles points at us through data; the pipe and the timers share the count.
    auto* self = static_cast<ControlConnection*>(h->data);
    --self->open_handles_;
    self->maybe_finished();
  }

  // Freed only when every handle has closed and libuv has given back every write request.
  void maybe_finished() {
    if (closing_ && open_handles_ == 0 && writes_in_flight_ == 0) server_.finished(this);
  }

  ControlServer& server_;
  uv_pipe_t pipe_{};
  uv_timer_t idle_{};
  uv_timer_t resume_{};
  int open_handles_ = 0;
  int writes_in_flight_ = 0;
  bool closing_ = false;
  bool hanging_up_ = false;
  bool watcher_ = false;
  std::string input_;
  double time_budget_ns_ = 0;  // set to a full burst in the constructor
  uint64_t time_budget_at_ns_ = 0;
  char read_buffer_[16384];
};

ControlServer::ControlServer(uv_loop_t* loop, std::string path, std::optional<gid_t> group, Handler handler,
                             ControlLimits limits)
    : loop_(loop), path_(std::move(path)), group_(group), handler_(std::move(handler)), limits_(limits) {
  pipe_.data = this;
  tokens_ = limits_.request_burst;
  tokens_at_ms_ = uv_now(loop_);
}

ControlServer::~ControlServer() {
  if (!path_.empty()) unlink(path_.c_str());
}

std::expected<std::unique_ptr<ControlServer>, std::string> ControlServer::listen(uv_loop_t* loop,
                                                                                 const std::string& path,
                                                                                 std::optional<gid_t> group,
                                                                                 Handler handler,
                                                                                 ControlLimits limits) {
  auto sock = listen_unix_socket(path, group ? 0660 : 0600);
  if (!sock) return std::unexpected(sock.error());
  if (group && chown(path.c_str(), static_cast<uid_t>(-1), *group) != 0) {
    int e = errno;
    unlink(path.c_str());
    return std::unexpected(path + ": chown to group " + std::to_string(*group) + ": " + std::strerror(e));
  }
  auto server = adopt(loop, std::move(*sock), group, std::move(handler), limits);
  if (!server) {
    unlink(path.c_str());
    return server;
  }
  (*server)->path_ = path;
  return server;
}

std::expected<std::unique_ptr<ControlServer>, std::string> ControlServer::adopt(
    uv_loop_t* loop, UniqueFd sock, std::optional<gid_t> group, Handler handler, ControlLimits limits) {
  std::unique_ptr<ControlServer> server(new ControlServer(loop, "", group, std::move(handler), limits));
  uv_pipe_init(loop, &server->pipe_, 0);
  server->listening_ = true;
  if (int rc = uv_pipe_open(&server->pipe_, sock.get()); rc != 0) {
    server->close();
    return std::unexpected(std::string("control socket: ") + uv_strerror(rc));
  }
  (void)sock.release();  // libuv owns it now and closes it with the handle
  if (int rc = uv_listen(reinterpret_cast<uv_stream_t*>(&server->pipe_), 64, &ControlServer::on_connection);
      rc != 0) {
    server->close();
    return std::unexpected(std::string("control socket: listen: ") + uv_strerror(rc));
  }
  return server;
}

bool ControlServer::peer_allowed(int fd, const ucred& peer) const {
  if (peer.uid == 0 || peer.uid == geteuid()) return true;
  if (!group_) return false;
  if (peer.gid == *group_) return true;
  // Supplementary groups of the peer at connect time.
  std::vector<gid_t> groups(NGROUPS_MAX);
  socklen_t len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
  if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) != 0) return false;
  groups.resize(len / sizeof(gid_t));
  return std::find(groups.begin(), groups.end(), *group_) != groups.end();
}

bool ControlServer::take_request_token() {
  const uint64_t now = uv_now(loop_);
  tokens_ = std::min(limits_.request_burst, tokens_ + static_cast<double>(now - tokens_at_ms_) *
                                                          limits_.requests_per_second / 1000.0);
  tokens_at_ms_ = now;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void ControlServer::on_connection(uv_stream_t* listener, int status) {
  auto* self = static_cast<ControlServer*>(listener->data);
  if (status < 0 || self->closing_) return;
  auto connection = std::make_unique<ControlConnection>(*self);
  ControlConnection* raw = connection.get();
  self->connections_.emplace(raw, std::move(connection));
  if (raw->accept(listener) != 0) return;  // closing; freed from its close callbacks
  ucred peer{};
  socklen_t len = sizeof peer;
  const int fd = raw->fd();
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0) {
    raw->refuse("cannot tell who is connecting");
  } else if (!self->peer_allowed(fd, peer)) {
    raw->refuse("uid " + std::to_string(peer.uid) + " is not allowed on the control socket");
  } else if (self->connections_.size() > self->limits_.max_connections) {
    raw->refuse("too many control connections at once");
  } else {
    raw->start();
  }
}

void ControlServer::broadcast(nlohmann::json event) {
  if (watchers_ == 0) return;
  const std::string line = line_of(std::move(event));
  std::vector<ControlConnection*> targets;
  for (auto& [raw, _] : connections_)
    if (raw->watcher()) targets.push_back(raw);
  for (ControlConnection* c : targets) c->send_line(line);
}

void ControlServer::decided(const DecisionEvent& event) {
  nlohmann::json j = decision_event_json(event);
  j["event"] = "decision";
  broadcast(std::move(j));
}

void ControlServer::finished(ControlConnection* connection) {
  connections_.erase(connection);
}

void ControlServer::close() {
  if (closing_) return;
  closing_ = true;
  std::vector<ControlConnection*> open;
  for (auto& [raw, _] : connections_) open.push_back(raw);
  for (ControlConnection* c : open) c->close();
  if (listening_) uv_close(reinterpret_cast<uv_handle_t*>(&pipe_), nullptr);
  if (!path_.empty()) unlink(path_.c_str());
  path_.clear();
}

}  // namespace tollgate
