// Runs functions on the libuv loop thread, posted from any thread (emulation workers finish there).
#pragma once

#include <uv.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

namespace tollgate {

class LoopExecutor {
 public:
  // `keeps_loop_alive`: the loop runs as long as the executor is open, even with nothing else to do (a
  // serving loop waiting for listeners); otherwise an idle executor does not keep it running.
  explicit LoopExecutor(uv_loop_t* loop, bool keeps_loop_alive = false);
  LoopExecutor(const LoopExecutor&) = delete;
  LoopExecutor& operator=(const LoopExecutor&) = delete;
  ~LoopExecutor();

  // Any thread. After close(), posted functions are dropped.
  void post(std::function<void()> fn);
  // Loop thread: runs what is queued now, without waiting for the wakeup. Cheap when nothing is. Inside a
  // posted function it does nothing: what was posted later must not overtake the rest of the batch.
  void run_pending();
  // Loop thread: true inside a posted function.
  bool running() const { return running_; }
  // Loop thread. Runs what is still queued, then closes the handle; it finishes closing on the next loop
  // iteration, and the object must outlive that.
  void close();

 private:
  static void on_wakeup(uv_async_t* handle);
  uv_async_t async_{};
  std::mutex mutex_;
  std::vector<std::function<void()>> queue_;
  std::atomic<bool> queued_{false};  // queue_ is not empty (read without the lock)
  bool closed_ = false;
  bool running_ = false;  // loop thread
};

}  // namespace tollgate
