#include "cli/signal_forwarder.h"

#include <signal.h>

namespace tollgate {

namespace {
constexpr std::array<int, 4> kForwarded = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
}

SignalForwarder::SignalForwarder(uv_loop_t* loop, std::function<void(int)> on_signal)
    : callback_(std::move(on_signal)) {
  for (size_t i = 0; i < handles_.size(); ++i) {
    uv_signal_init(loop, &handles_[i]);
    handles_[i].data = this;
    uv_signal_start(&handles_[i], &SignalForwarder::on_signal, kForwarded[i]);
  }
}

void SignalForwarder::close() {
  if (closed_) return;
  closed_ = true;
  for (auto& h : handles_) uv_close(reinterpret_cast<uv_handle_t*>(&h), nullptr);
}

void SignalForwarder::on_signal(uv_signal_t* handle, int signum) {
  static_cast<SignalForwarder*>(handle->data)->callback_(signum);
}

}  // namespace tollgate
