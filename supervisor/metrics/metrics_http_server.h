// The metrics endpoint (`tollgate supervise --metrics-address HOST:PORT`): GET /metrics answers the
// exposition over HTTP, for Prometheus to scrape. libmicrohttpd runs inside the daemon's libuv loop (its
// epoll fd watched by a poll handle, its timeouts by a timer), so the exposition is rendered on the loop
// thread, where the counters live: no second thread, no snapshot, no lock. A scrape costs the loop the
// rendering of a few kilobytes; connections are few and time out.
#pragma once

#include <uv.h>

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

struct MHD_Daemon;

namespace tollgate {

class MetricsHttpServer {
 public:
  using Render = std::function<std::string()>;

  // `address`: "IPv4:PORT" or "[IPv6]:PORT" (numeric; port 0 picks a free one, see port()). Error: a
  // message for the user (bad address, address in use).
  static std::expected<std::unique_ptr<MetricsHttpServer>, std::string> start(uv_loop_t* loop,
                                                                              const std::string& address,
                                                                              Render render);
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  uint16_t port() const { return port_; }
  // Drops every connection and stops listening; the handles finish closing on the next loop iteration.
  void close();

 private:
  explicit MetricsHttpServer(Render render) : render_(std::move(render)) {}
  static void on_readable(uv_poll_t* handle, int status, int events);
  static void on_timer(uv_timer_t* handle);
  // Lets libmicrohttpd do whatever is ready, then waits for its next timeout.
  void run();
  Render render_;
  MHD_Daemon* daemon_ = nullptr;
  uv_poll_t poll_{};
  uv_timer_t timer_{};
  bool handles_open_ = false;
  uint16_t port_ = 0;
};

}  // namespace tollgate
