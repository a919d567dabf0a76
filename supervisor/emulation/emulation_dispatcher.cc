#include "supervisor/emulation/emulation_dispatcher.h"

#include <fcntl.h>
#include <sched.h>
#include <spdlog/spdlog.h>

#include <system_error>

#include "supervisor/caller/caller_view.h"
#include "supervisor/emulation/emulation_handlers.h"

namespace tollgate {

EmulationDispatcher::EmulationDispatcher(Supervisor& supervisor, unsigned max_workers)
    : supervisor_(supervisor), max_workers_(max_workers == 0 ? 1 : max_workers) {
  services_.mounts = &mounts_;
  open_host_dirs();
  home_ns_.reset(open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
}

EmulationDispatcher::~EmulationDispatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

HandlerPtr EmulationDispatcher::handler_for(const Rule& rule) {
  auto it = handlers_.find(&rule);
  if (it != handlers_.end() && it->second.name == rule.handler && it->second.options == rule.handler_options)
    return it->second.handler;
  auto made = make_emulation_handler(rule.handler, rule.handler_options);
  if (!made) {
    // The parser validated these options already; reaching here means a policy built some other way.
    spdlog::error("rule {}: handler {}: {}{}: {}", rule.name, rule.handler, rule.json_pointer + "/options",
                  made.error().json_pointer, made.error().message);
    return nullptr;
  }
  handlers_[&rule] = CachedHandler{rule.handler_options, rule.handler, *made};
  return *made;
}

void EmulationDispatcher::begin(PendingCallPtr call) {
  const Rule* rule = call->decision().rule;
  HandlerPtr handler = rule != nullptr ? handler_for(*rule) : nullptr;
  if (!handler) {
    supervisor_.complete(call, Decision::deny(EPERM, "emulation handler unavailable", rule));
    return;
  }
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kMaxQueued) {
      // Overload: fail closed at once rather than hold callers for an unbounded time.
      supervisor_.complete(call, Decision::deny(EPERM, "emulation queue full", rule));
      return;
    }
    // A worker that has finished its handler is about to take the next job (it may still be sending its
    // answer): start another only when every worker is inside a handler, some of which may take long.
    if (running_ + queue_.size() >= workers_.size() && workers_.size() < max_workers_) {
      try {
        workers_.emplace_back([this] { worker_main(); });
      } catch (const std::system_error& e) {
        spdlog::error("starting an emulation worker: {}", e.what());
        if (workers_.empty()) {
          supervisor_.complete(call, Decision::deny(EPERM, "no emulation worker", rule));
          return;
        }
      }
    }
    queue_.push_back(Job{std::move(call), std::move(handler)});
  }
  wake_.notify_one();
}

void EmulationDispatcher::listener_closed() {
  {
    std::lock_guard lock(mutex_);
    ++closed_listeners_;
  }
  wake_.notify_all();
}

void EmulationDispatcher::worker_main() {
  // Each worker gets its own root, cwd and mount namespace, so that joining a caller's mount namespace
  // (setns needs an unshared fs_struct) or root affects this thread only.
  bool own_fs = unshare(CLONE_FS) == 0 && home_ns_.valid();
  if (!own_fs) spdlog::error("emulation worker: no private fs state; file system emulations will be denied");
  uint64_t seen_closed = 0;
  while (true) {
    Job job;
    bool leave = false;
    {
      std::unique_lock lock(mutex_);
      // A worker holding a caller's namespaces waits at most kLinger, and leaves them when a target goes.
      const bool holding = own_fs && holding_caller_view();
      auto ready = [&] { return stopping_ || !queue_.empty() || (holding && closed_listeners_ != seen_closed); };
      bool woken = true;
      if (holding)
        woken = wake_.wait_for(lock, kLinger, ready);
      else
        wake_.wait(lock, ready);
      if (stopping_) return;
      leave = holding && (!woken || closed_listeners_ != seen_closed);
      seen_closed = closed_listeners_;
      if (!leave) {
        job = std::move(queue_.front());
        queue_.pop_front();
        ++running_;
      }
    }
    if (leave) {
      if (auto left = leave_caller_view(home_ns_.get()); !left) {
        spdlog::error(
            "emulation worker: cannot return to its own mount namespace; file system emulations will be "
            "denied");
        own_fs = false;
      }
      continue;
    }
    Decision answer =
        Decision::deny(EPERM, "emulation worker could not join the caller", job.call->decision().rule);
    if (own_fs) {
      try {
        answer = job.handler->run(*job.call, services_);
      } catch (const std::exception& e) {
        spdlog::error("emulating {}: {}", job.call->call().syscall_name(), e.what());
        answer = Decision::deny(EPERM, "emulation failed", job.call->decision().rule);
      }
    }
    {
      std::lock_guard lock(mutex_);
      --running_;
    }
    supervisor_.complete_from_any_thread(job.call, std::move(answer));
  }
}

}  // namespace tollgate
