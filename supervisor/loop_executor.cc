#include "supervisor/loop_executor.h"

namespace tollgate {

LoopExecutor::LoopExecutor(uv_loop_t* loop, bool keeps_loop_alive) {
  uv_async_init(loop, &async_, &LoopExecutor::on_wakeup);
  async_.data = this;
  if (!keeps_loop_alive) uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
}

LoopExecutor::~LoopExecutor() { close(); }

void LoopExecutor::post(std::function<void()> fn) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    queue_.push_back(std::move(fn));
    queued_.store(true, std::memory_order_release);
  }
  uv_async_send(&async_);
}

void LoopExecutor::close() {
  std::vector<std::function<void()>> last;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    last.swap(queue_);
    queued_.store(false, std::memory_order_relaxed);
  }
  // What was posted before the close still runs (answers already sent want their events recorded).
  const bool nested = running_;  // closed from inside a posted function
  running_ = true;
  for (auto& fn : last) fn();
  running_ = nested;
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
}

void LoopExecutor::on_wakeup(uv_async_t* handle) { static_cast<LoopExecutor*>(handle->data)->run_pending(); }

void LoopExecutor::run_pending() {
  if (running_ || !queued_.load(std::memory_order_acquire)) return;
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queue_);
    queued_.store(false, std::memory_order_relaxed);
  }
  running_ = true;
  for (auto& fn : batch) fn();
  running_ = false;
}

}  // namespace tollgate
