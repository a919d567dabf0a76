#include "supervisor/control/control_server.h"

#include <grp.h>
#include <limits.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/json_input.h"
#include "core/json_output.h"
#include "supervisor/monotonic_clock.h"

namespace tollgate {
namespace {

std::string line_of(nlohmann::json j) {
  if (!j.contains("v")) j["v"] = kControlProtocolVersion;
  return json_text(j) + "\n";
}

nlohmann::json error_body(const std::string& message) {
  return {{"ok", false}, {"error", message}};
}

}  // namespace

class ControlConnection final : public SocketConnection {
 public:
  ControlConnection(ControlServer& server, const ucred& peer)
      : SocketConnection(peer),
        server_(server),
        time_budget_ns_(static_cast<double>(server.limits_.loop_burst_ns)),
        time_budget_at_ns_(monotonic_ns()) {
    pipe_.data = this;
    idle_.data = this;
    resume_.data = this;
  }

  // Hands the accepted socket to libuv. Error: libuv's code; the connection is then closing.
  int open(UniqueFd fd) {
    uv_pipe_init(server_.loop_, &pipe_, 0);
    ++open_handles_;
    uv_timer_init(server_.loop_, &idle_);
    ++open_handles_;
    uv_timer_init(server_.loop_, &resume_);
    ++open_handles_;
    if (int rc = uv_pipe_open(&pipe_, fd.get()); rc != 0) {
      close();
      return rc;
    }
    (void)fd.release();  // libuv owns it now and closes it with the handle
    return 0;
  }

  void start() override {
    if (closing_) return;
    touch();
    uv_read_start(stream(), &ControlConnection::on_alloc, &ControlConnection::on_read);
  }

  // Sends a last line, then hangs up once it is written.
  void refuse(const std::string& why) {
    if (closing_) return;
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

  void close() override {
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
    time_budget_ns_ = std::min(
        static_cast<double>(server_.limits_.loop_burst_ns),
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
    auto parsed = parse_json_input(line);
    if (!parsed) {
      send_line(line_of(error_body("not JSON: " + parsed.error().describe())));
      return;
    }
    const nlohmann::json request = std::move(*parsed);
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
    if (closing_ && open_handles_ == 0 && writes_in_flight_ == 0) server_.socket_->finished(this);
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

ControlServer::ControlServer(uv_loop_t* loop, std::optional<gid_t> group, Handler handler,
                             ControlLimits limits)
    : loop_(loop), group_(group), handler_(std::move(handler)), limits_(limits) {
  tokens_ = limits_.request_burst;
  tokens_at_ms_ = uv_now(loop_);
}

ControlServer::~ControlServer() = default;

std::expected<std::unique_ptr<ControlServer>, std::string> ControlServer::listen(uv_loop_t* loop,
                                                                                 const std::string& path,
                                                                                 std::optional<gid_t> group,
                                                                                 Handler handler,
                                                                                 ControlLimits limits) {
  return start(loop, path, UniqueFd(), group, std::move(handler), limits);
}

std::expected<std::unique_ptr<ControlServer>, std::string> ControlServer::adopt(
    uv_loop_t* loop, UniqueFd socket, std::optional<gid_t> group, Handler handler, ControlLimits limits) {
  return start(loop, "", std::move(socket), group, std::move(handler), limits);
}

std::expected<std::unique_ptr<ControlServer>, std::string> ControlServer::start(
    uv_loop_t* loop, const std::string& path, UniqueFd activated, std::optional<gid_t> group, Handler handler,
    ControlLimits limits) {
  std::unique_ptr<ControlServer> server(new ControlServer(loop, group, std::move(handler), limits));
  ControlServer* raw = server.get();
  SocketServerOptions options{.path = path,
                              .mode = static_cast<mode_t>(group ? 0660 : 0600),
                              .group = group,
                              .connections_per_uid = limits.connections_per_uid,
                              .connections_per_trusted_uid = limits.connections_per_uid,
                              .name = "control",
                              .refusal_text = [](const std::string& why) { return line_of(error_body(why)); }};
  auto check = [raw](int fd, const ucred& peer) { return raw->refusal_for(fd, peer); };
  auto make = [raw](UniqueFd fd, const ucred& peer) -> std::unique_ptr<SocketConnection> {
    auto connection = std::make_unique<ControlConnection>(*raw, peer);
    (void)connection->open(std::move(fd));  // on failure it is already closing
    return connection;
  };
  auto socket = activated ? SocketServer::adopt(loop, std::move(activated), std::move(options), check, make)
                          : SocketServer::listen(loop, std::move(options), check, make);
  if (!socket) return std::unexpected(socket.error());
  server->socket_ = std::move(*socket);
  uv_pipe_init(loop, &server->warm_up_, 0);
  server->warm_up_open_ = true;
  return server;
}

std::optional<std::string> ControlServer::refusal_for(int fd, const ucred& peer) const {
  if (is_trusted_peer(peer)) return std::nullopt;
  const std::string refused = "uid " + std::to_string(peer.uid) + " is not allowed on the control socket";
  if (!group_) return refused;
  if (peer.gid == *group_) return std::nullopt;
  // Supplementary groups of the peer at connect time.
  std::vector<gid_t> groups(NGROUPS_MAX);
  socklen_t len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
  if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) != 0) return refused;
  groups.resize(len / sizeof(gid_t));
  if (std::find(groups.begin(), groups.end(), *group_) != groups.end()) return std::nullopt;
  return refused;
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

void ControlServer::broadcast(nlohmann::json event) {
  if (watchers_ == 0) return;
  const std::string line = line_of(std::move(event));
  std::vector<ControlConnection*> targets;
  socket_->for_each_connection([&](SocketConnection& c) {
    auto& connection = static_cast<ControlConnection&>(c);
    if (connection.watcher()) targets.push_back(&connection);
  });
  for (ControlConnection* c : targets) c->send_line(line);
}

void ControlServer::decided(nlohmann::json event) {
  event["event"] = "decision";
  broadcast(std::move(event));
}

void ControlServer::close() {
  socket_->close();
  if (warm_up_open_) {
    warm_up_open_ = false;
    uv_close(reinterpret_cast<uv_handle_t*>(&warm_up_), nullptr);
  }
}

}  // namespace tollgate
