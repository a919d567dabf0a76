#include "supervisor/loop_executor.h"

namespace tollgate {

LoopExecutor::LoopExecutor(uv_loop_t* loop) {
  uv_async_init(loop, &async_, &LoopExecutor::on_wakeup);
  async_.data = this;
  // An idle executor must not keep the loop alive on its own.
  uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
}

LoopExecutor::~LoopExecutor() { close(); }

void LoopExecutor::post(std::function<void()> fn) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    queue_.push_back(std::move(fn));
  }
  uv_async_send(&async_);
}

void LoopExecutor::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    queue_.clear();
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
}

void LoopExecutor::on_wakeup(uv_async_t* handle) {
  auto* self = static_cast<LoopExecutor*>(handle->data);
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(self->mutex_);
    batch.swap(self->queue_);
  }
  for (auto& fn : batch) fn();
}

}  // namespace tollgate
