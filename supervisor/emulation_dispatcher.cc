#include "supervisor/emulation_dispatcher.h"

#include <fcntl.h>
#include <sched.h>
#include <spdlog/spdlog.h>

#include <system_error>

#include "supervisor/caller_view.h"
#include "supervisor/emulation_handlers.h"

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
    if (idle_ == 0 && workers_.size() < max_workers_) {
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

void EmulationDispatcher::worker_main() {
  // Each worker gets its own root, cwd and mount namespace, so that joining a caller's mount namespace
  // (setns needs an unshared fs_struct) or root affects this thread only.
  bool own_fs = unshare(CLONE_FS) == 0 && home_ns_.valid();
  if (!own_fs) spdlog::error("emulation worker: no private fs state; file system emulations will be denied");
  while (true) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      ++idle_;
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      --idle_;
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
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
    if (own_fs && setns(home_ns_.get(), CLONE_NEWNS) != 0) {
      spdlog::error(
          "emulation worker: cannot return to its own mount namespace; file system emulations will be "
          "denied");
      own_fs = false;
    }
    Supervisor& sup = supervisor_;
    sup.post([&sup, call = std::move(job.call), answer] { sup.complete(call, answer); });
  }
}

}  // namespace tollgate
