#include "supervisor/listener.h"

#include "supervisor/monotonic_clock.h"
#include "supervisor/serving_loop.h"

namespace tollgate {

Listener::Listener(ServingLoop& owner, UniqueFd fd, TargetInfo target, std::shared_ptr<const Decider> decider)
    : owner_(owner),
      fd_(std::move(fd)),
      target_(std::move(target)),
      decider_(std::move(decider)),
      added_ns_(monotonic_ns()) {
  poll_.data = this;
}

int Listener::start(uv_loop_t* loop) {
  if (int rc = uv_poll_init(loop, &poll_, fd_.get()); rc != 0) return rc;
  started_ = true;
  // UV_DISCONNECT tells POLLHUP (no process uses the filter any more) apart from a pending notification:
  // RECV on a hung-up listener would block the loop.
  return uv_poll_start(&poll_, UV_READABLE | UV_DISCONNECT, &Listener::on_poll);
}

void Listener::pause() {
  if (started_ && !closing_) uv_poll_stop(&poll_);
}

void Listener::resume() {
  if (started_ && !closing_) uv_poll_start(&poll_, UV_READABLE | UV_DISCONNECT, &Listener::on_poll);
}

void Listener::close() {
  if (closing_) return;
  closing_ = true;
  if (!started_) {
    owner_.listener_closed(this);
    return;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), &Listener::on_closed);
}

void Listener::on_poll(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<Listener*>(handle->data);
  if (status < 0 || (events & UV_DISCONNECT) != 0) {
    self->close();
    return;
  }
  if ((events & UV_READABLE) != 0) self->owner_.handle_notification(*self);
}

void Listener::on_closed(uv_handle_t* handle) {
  auto* self = static_cast<Listener*>(handle->data);
  self->owner_.listener_closed(self);  // may destroy self
}

}  // namespace tollgate
