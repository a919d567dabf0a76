// The threads that take turns running one serving loop. One thread runs the loop at a time. Work that may
// block (an emulation: a mount can wait on a stalled FUSE or NFS server for as long as that server likes)
// is done by the thread that received the call, right after the loop iteration that received it, with the
// loop let go: no hand-off to another thread, so the caller is answered from the CPU it woke. If that work
// outlasts kStallAfter, a standby thread takes the loop over, so the loop's other listeners are served
// meanwhile; the first thread becomes the standby once its work is done. A daemon that never emulates never
// starts a second thread.
#pragma once

#include <uv.h>

#include <chrono>
#include <condition_variable>
#include <expected>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "tollgate/unique_fd.h"

namespace tollgate {

class LoopCarriers {
 public:
  struct Hooks {
    // On every carrier thread as it starts (the loop gives each its own fs state).
    std::function<void()> thread_started;
    // On a carrier that has just taken the loop back, or over, after work outside it.
    std::function<void()> resumed_loop;
    // On a carrier that found the loop taken over when its work was done: it is about to wait, idle.
    std::function<void()> became_standby;
  };
  static constexpr std::chrono::microseconds kStallAfter{2000};
  // At most this many threads per loop: each stalled emulation holds one.
  static constexpr size_t kMaxThreads = 16;

  LoopCarriers(uv_loop_t* loop, std::string name, Hooks hooks);
  ~LoopCarriers();  // join() must have returned
  LoopCarriers(const LoopCarriers&) = delete;
  LoopCarriers& operator=(const LoopCarriers&) = delete;

  // Starts the first thread, which runs the loop until it has no active handles left.
  // Error: what failed (timerfd, eventfd, the thread).
  std::expected<void, std::string> start();
  // The thread running the loop, inside a callback: `work` runs on this thread once the current iteration
  // has ended, with the loop let go. Work items run in the order given.
  void run_outside_loop(std::function<void()> work);
  // Any thread but the carriers: waits until the loop has run dry and every thread has finished its work.
  void join();
  // Any thread: how many threads this loop has now.
  size_t threads() const;

 private:
  void carrier_main(bool runs_loop);
  // With `lock` on mutex_: starts one more thread as a standby unless there is one or the cap is reached,
  // and waits until it has run thread_started. A new thread shares its creator's fs state until it unshares
  // it, and setns(CLONE_NEWNS) refuses (EINVAL) a thread whose fs state is shared: the creator is about to
  // join a caller's namespace.
  void ensure_standby(std::unique_lock<std::mutex>& lock);
  // Under mutex_.
  void arm_stall_timer(bool armed);
  // Blocks until the stall timer fires or the loop has finished. Without the lock.
  void wait_for_stall();

  uv_loop_t* const loop_;
  const std::string name_;
  const Hooks hooks_;
  UniqueFd stall_timer_;     // timerfd, armed while work runs outside the loop
  UniqueFd finished_event_;  // eventfd, readable once the loop has run dry: standbys leave

  mutable std::mutex mutex_;
  std::condition_variable all_gone_;
  std::condition_variable thread_ready_;
  size_t threads_ready_ = 0;                    // threads that have run thread_started, ever
  bool loop_taken_ = false;                     // a thread is inside uv_run
  bool finished_ = false;                       // the loop has run dry
  size_t working_outside_ = 0;                  // threads doing work outside the loop
  size_t standbys_ = 0;                         // waiting for a stall, or started to
  size_t threads_ = 0;                          // alive (detached; join() waits for this to reach 0)
  std::vector<std::function<void()>> outside_;  // queued by the runner for itself; runner only
};

}  // namespace tollgate
