// Relays SIGINT, SIGTERM, SIGHUP and SIGQUIT received by tollgate to one callback, through the libuv loop.
#pragma once

#include <uv.h>

#include <array>
#include <functional>

namespace tollgate {

class SignalForwarder {
 public:
  SignalForwarder(uv_loop_t* loop, std::function<void(int)> on_signal);
  SignalForwarder(const SignalForwarder&) = delete;
  SignalForwarder& operator=(const SignalForwarder&) = delete;
  // Must be called, and the loop run, before destruction.
  void close();

 private:
  static void on_signal(uv_signal_t* handle, int signum);
  std::function<void(int)> callback_;
  std::array<uv_signal_t, 4> handles_{};
  bool closed_ = false;
};

}  // namespace tollgate
