// The supervisor as the rest of the daemon sees it: listeners in, every notification answered exactly once.
// Listeners are sharded across serving loops (ServingLoop), each on its own thread: a container's listeners
// all on one loop, so its calls stay in order on one thread; other targets round-robin. This object lives on
// the main loop (control socket, handovers, held calls, metrics), which it answers to: calls held for a
// person are begun there, watchers are told there, and the loops' counters are summed there.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "supervisor/decider.h"
#include "supervisor/decision_stats.h"
#include "supervisor/event_log.h"
#include "supervisor/event_tap.h"
#include "supervisor/inflight_ring.h"
#include "supervisor/listener_keeper.h"
#include "supervisor/loop_executor.h"
#include "supervisor/pending_call.h"
#include "supervisor/serving_loop.h"
#include "supervisor/target_info.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

class Listener;

class Supervisor {
 public:
  // `loops`: how many serving loops (threads) share the listeners; 0 picks one per CPU this process may
  // run on. Throws std::runtime_error if a loop cannot start (a start-up error).
  Supervisor(uv_loop_t* main_loop, EventLog& events, unsigned loops = 1);
  ~Supervisor();  // close_all() first, or it is done here
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Takes ownership of the listener and serves it until every process using the filter is gone.
  // Error: the supervisor is stopping (the listener is closed; the target's notified calls fail with ENOSYS).
  std::expected<void, std::string> add_listener(UniqueFd listener, TargetInfo target,
                                                std::shared_ptr<const Decider> decider);

  // Who finishes "emulate" and "ask" decisions. Without one, such calls are denied with EPERM at once. The
  // emulator's begin() runs on the serving loop that received the call; the asker's on the main loop.
  void set_emulator(AsyncDecider* emulator) { emulator_.store(emulator); }
  void set_asker(AsyncDecider* asker) { asker_.store(asker); }
  // Also shows every decision to `tap` (the control socket's watchers), on the main loop; nullptr to stop.
  void set_event_tap(EventTap* tap) { tap_.store(tap); }

  // Before the first listener: every listener added is kept by `keeper` (under its key) and every call
  // recorded in `ring` until answered, so that a daemon started after this one dies can finish them.
  void set_keeper(ListenerKeeper* keeper, InflightRing& ring);
  // Main loop, after the listeners earlier daemons served were added again: finishes the calls they left
  // in `old`, every record the keeper still holds, each call once (calls_to_recover, then
  // ServingLoop::recover). The rings must outlive `done`, which runs on the main loop with the number of
  // calls answered or held again.
  void recover(std::span<InflightRing* const> old, std::function<void(size_t handled)> done);
  // Any thread: every loop stops receiving calls, or starts again (ctl upgrade). Calls wait meanwhile.
  // `done` runs on the main loop once every loop has done so.
  void set_receiving(bool receiving, std::function<void()> done = {});
  int64_t emulations_running() const {
    int64_t n = 0;
    for (const auto& loop : loops_) n += loop->emulations_running();
    return n;
  }
  // Any thread: a listener closed for good.
  void forget_listener(uint64_t key) {
    if (keeper_ != nullptr && key != 0) keeper_->forget(key);
  }

  // Any thread: answers a pending call. The caller is answered at once from the calling thread (kill and
  // trap from its loop); a second completion of the same call is ignored.
  void complete(const PendingCallPtr& call, Decision decision);
  // Runs fn on the main loop; callable from any thread.
  void post(std::function<void()> fn) { main_executor_.post(std::move(fn)); }

  // Main loop: stops serving everything and waits until every serving loop has finished (an emulation
  // still running is waited for). Idempotent.
  void close_all();
  size_t loop_count() const { return loops_.size(); }
  // Any thread: the serving loops' counters and statistics, summed.
  size_t listener_count() const;
  SupervisorStats stats() const;
  DecisionStats decision_stats() const;
  size_t serving_threads() const;
  // Main loop: the listeners being served, loop by loop, each under its loop's listener lock (for `ctl
  // targets` and `ctl reload`): fn must not block for long.
  void for_each_listener(const std::function<void(Listener&)>& fn);
  // Inside for_each_listener: the listener's next calls are decided by `decider`.
  void replace_decider(Listener& listener, std::shared_ptr<const Decider> decider);

  // For the serving loops.
  EventLog& events() { return events_; }
  AsyncDecider* emulator() const { return emulator_.load(std::memory_order_relaxed); }
  bool has_asker() const { return asker_.load(std::memory_order_relaxed) != nullptr; }
  void ask(PendingCallPtr call);  // begins it on the main loop
  bool tap_active() const {
    EventTap* tap = tap_.load(std::memory_order_relaxed);
    return tap != nullptr && tap->active();
  }
  void tap(const DecisionEvent& event);  // shown to the watchers on the main loop, in order

 private:
  ServingLoop& loop_for(const TargetInfo& target);

  EventLog& events_;
  LoopExecutor main_executor_;
  const std::thread::id main_thread_;
  UniqueFd home_ns_;  // the daemon's own mount namespace, where a loop returns after an emulation
  std::vector<std::unique_ptr<ServingLoop>> loops_;
  std::atomic<unsigned> next_loop_{0};
  std::atomic<AsyncDecider*> emulator_{nullptr};
  std::atomic<AsyncDecider*> asker_{nullptr};
  std::atomic<EventTap*> tap_{nullptr};
  ListenerKeeper* keeper_ = nullptr;  // set before the first listener, then only read
  bool closed_ = false;
};

// One loop per CPU this process may run on (sched_getaffinity), at least one.
unsigned default_loop_count();

}  // namespace tollgate
