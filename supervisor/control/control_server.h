// The control socket of `tollgate supervise`: line-delimited JSON requests from `tollgate ctl`
// (docs/control-protocol.md). Only root (or the supervisor's own uid, or a configured group) may talk to
// it; the socket file's mode says so and SO_PEERCRED checks it again. Every connection is bounded: line
// length, unread output, idle time, how many requests are served per loop turn. A bad client is answered
// with an error and dropped; nothing it does blocks the loop.
#pragma once

#include <atomic>

#include <sys/socket.h>
#include <sys/types.h>
#include <uv.h>

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "supervisor/event_tap.h"
#include "supervisor/socket/socket_server.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

inline constexpr int kControlProtocolVersion = 1;

struct ControlLimits {
  size_t max_line_bytes = 64 * 1024;
  size_t max_backlog_bytes = 4 * 1024 * 1024;     // output the client has not read yet
  std::chrono::milliseconds idle_timeout{60000};  // not for watchers
  size_t connections_per_uid = 64;  // for root too: its tools hold a few connections, not bursts
  size_t requests_per_turn = 16;
  // All clients together: at most this many requests per second (after a burst), so that a flood costs the
  // targets a bounded share of the loop; a client over the rate is paused, not dropped.
  double requests_per_second = 2000;
  double request_burst = 200;
  // And each client at most this share of the loop's time, each request charged what it really took: what
  // a request costs differs by build (a sanitizer build is many times slower), the share the targets keep
  // does not. Per client, so that a flooder spends its own budget and a newcomer is answered at once.
  double loop_share = 0.2;
  uint64_t loop_burst_ns = 50'000'000;
};

struct ControlReply {
  nlohmann::json body;     // "v" and "ok" are added when missing
  bool subscribe = false;  // the connection becomes a watcher: events follow the reply
};

class ControlConnection;

class ControlServer final : public EventTap {
 public:
  using Handler = std::function<ControlReply(const nlohmann::json& request)>;

  // Binds PATH: mode 0600, or 0660 with group `group`. Error: a message for the user.
  static std::expected<std::unique_ptr<ControlServer>, std::string> listen(uv_loop_t* loop,
                                                                           const std::string& path,
                                                                           std::optional<gid_t> group,
                                                                           Handler handler,
                                                                           ControlLimits limits = {});
  // Serves a socket that is already listening (socket activation): its file, mode and group are the service
  // manager's (SocketMode=, SocketGroup=), and it is left in place on close. Peers are still checked
  // against `group`.
  static std::expected<std::unique_ptr<ControlServer>, std::string> adopt(uv_loop_t* loop, UniqueFd socket,
                                                                          std::optional<gid_t> group,
                                                                          Handler handler,
                                                                          ControlLimits limits = {});
  ~ControlServer() override;
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // One line to every watcher; "v" is added.
  void broadcast(nlohmann::json event);
  bool active() const override { return watchers_.load(std::memory_order_relaxed) > 0; }
  void decided(nlohmann::json event) override;

  // Stops accepting and drops every connection; handles finish closing on the next loop iteration.
  void close();
  size_t connection_count() const { return socket_->connection_count(); }
  int listening_fd() const { return socket_->listening_fd(); }

 private:
  // listen() (path) and adopt() (activated) share everything else.
  static std::expected<std::unique_ptr<ControlServer>, std::string> start(uv_loop_t* loop, const std::string& path,
                                                                           UniqueFd activated,
                                                                           std::optional<gid_t> group, Handler handler,
                                                                           ControlLimits limits);
  friend class ControlConnection;
  ControlServer(uv_loop_t* loop, std::optional<gid_t> group, Handler handler, ControlLimits limits);
  std::optional<std::string> refusal_for(int fd, const ucred& peer) const;
  // Takes one request's worth from the shared rate budget; false when it is spent (for now).
  bool take_request_token();

  uv_loop_t* loop_;
  std::optional<gid_t> group_;
  Handler handler_;
  ControlLimits limits_;
  std::atomic<size_t> watchers_{0};  // written on the main loop, read by the serving loops
  double tokens_ = 0;
  uint64_t tokens_at_ms_ = 0;
  std::unique_ptr<SocketServer> socket_;
  // libuv opens a reserve fd (its EMFILE trick) the first time a stream is initialised on a loop. Doing
  // that at start-up makes it one of the daemon's start-up fds instead of one that appears with the first
  // control client (tests compare fd counts against the count after start-up).
  uv_pipe_t warm_up_{};
  bool warm_up_open_ = false;
};

}  // namespace tollgate
