#include "supervisor/loop_carriers.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>

namespace tollgate {

LoopCarriers::LoopCarriers(uv_loop_t* loop, std::string name, Hooks hooks)
    : loop_(loop), name_(std::move(name)), hooks_(std::move(hooks)) {}

LoopCarriers::~LoopCarriers() = default;

std::expected<void, std::string> LoopCarriers::start() {
  stall_timer_.reset(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  finished_event_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stall_timer_ || !finished_event_)
    return std::unexpected(std::string("timerfd/eventfd: ") + std::strerror(errno));
  std::lock_guard lock(mutex_);
  try {
    std::thread([this] { carrier_main(true); }).detach();
  } catch (const std::system_error& e) {
    return std::unexpected(std::string("starting a loop thread: ") + e.what());
  }
  ++threads_;
  loop_taken_ = true;
  return {};
}

void LoopCarriers::run_outside_loop(std::function<void()> work) {
  outside_.push_back(std::move(work));
  uv_stop(loop_);
}

void LoopCarriers::join() {
  std::unique_lock lock(mutex_);
  all_gone_.wait(lock, [&] { return threads_ == 0; });
}

size_t LoopCarriers::threads() const {
  std::lock_guard lock(mutex_);
  return threads_;
}

void LoopCarriers::ensure_standby(std::unique_lock<std::mutex>& lock) {
  if (standbys_ > 0 || threads_ >= kMaxThreads) return;
  const size_t ready = threads_ready_ + 1;
  try {
    std::thread([this] { carrier_main(false); }).detach();
  } catch (const std::system_error& e) {
    // The work still runs; only a stall of it would now hold up the loop's other listeners.
    spdlog::error("{}: starting a standby thread: {}", name_, e.what());
    return;
  }
  ++threads_;
  ++standbys_;
  thread_ready_.wait(lock, [&] { return threads_ready_ >= ready; });
}

void LoopCarriers::arm_stall_timer(bool armed) {
  itimerspec when{};
  if (armed) when.it_value.tv_nsec = std::chrono::nanoseconds(kStallAfter).count();
  timerfd_settime(stall_timer_.get(), 0, &when, nullptr);
}

void LoopCarriers::wait_for_stall() {
  pollfd fds[2] = {{stall_timer_.get(), POLLIN, 0}, {finished_event_.get(), POLLIN, 0}};
  while (poll(fds, 2, -1) < 0 && errno == EINTR) {
  }
  uint64_t expirations = 0;
  if ((fds[0].revents & POLLIN) != 0) (void)!read(stall_timer_.get(), &expirations, sizeof expirations);
}

void LoopCarriers::carrier_main(bool runs_loop) {
  if (hooks_.thread_started) hooks_.thread_started();
  std::unique_lock lock(mutex_);
  ++threads_ready_;
  thread_ready_.notify_all();
  bool first_run = true;
  while (true) {
    if (runs_loop) {
      lock.unlock();
      if (!first_run && hooks_.resumed_loop) hooks_.resumed_loop();
      first_run = false;
      uv_run(loop_, UV_RUN_DEFAULT);
      std::vector<std::function<void()>> work;
      work.swap(outside_);
      lock.lock();
      loop_taken_ = false;
      if (work.empty()) {
        // uv_stop comes only with work: the loop has no active handles left.
        finished_ = true;
        const uint64_t one = 1;
        (void)!write(finished_event_.get(), &one, sizeof one);
        break;
      }
      ++working_outside_;
      ensure_standby(lock);
      arm_stall_timer(true);
      lock.unlock();
      for (auto& w : work) w();
      work.clear();  // what the work holds (a pending call, its listener) goes now, outside the lock
      lock.lock();
      if (--working_outside_ == 0) arm_stall_timer(false);
      if (!loop_taken_ && !finished_) {
        loop_taken_ = true;
        continue;
      }
      // Taken over while the work ran: this thread is the standby now, or leaves if there is one.
      runs_loop = false;
      if (finished_ || standbys_ > 0) break;
      ++standbys_;
      lock.unlock();
      if (hooks_.became_standby) hooks_.became_standby();
      lock.lock();
    }
    // A standby (counted in standbys_): waits for a stall of the thread outside the loop.
    lock.unlock();
    wait_for_stall();
    lock.lock();
    if (finished_) {
      --standbys_;
      break;
    }
    if (!loop_taken_ && working_outside_ > 0) {
      --standbys_;
      loop_taken_ = true;
      runs_loop = true;
      first_run = false;
      spdlog::debug("{}: work outside the loop passed {} µs; a standby thread runs the loop", name_,
                    kStallAfter.count());
    }
  }
  --threads_;
  all_gone_.notify_all();
}

}  // namespace tollgate
