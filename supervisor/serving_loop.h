// One serving loop: a libuv loop on its own thread (LoopCarriers) with its share of the listeners. It
// receives, decides and answers their calls, and does their emulations itself, right after the iteration
// that received them, staying in the last caller's namespaces for its next call. Every answer of its
// listeners is counted in its own statistics. The Supervisor shards listeners across several of these.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "supervisor/decider.h"
#include "supervisor/decision_stats.h"
#include "supervisor/event_log.h"
#include "supervisor/inflight_ring.h"
#include "supervisor/loop_carriers.h"
#include "supervisor/loop_executor.h"
#include "supervisor/pending_call.h"
#include "supervisor/target_info.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

class Listener;
class Supervisor;
class CallContext;

// A counter that one thread at a time writes and any thread reads: an increment is a plain load and store
// (no locked instruction on the hot path); a reader sees some recent value.
class LoopCounter {
 public:
  void add(int64_t n) {
    value_.store(value_.load(std::memory_order_relaxed) + static_cast<uint64_t>(n),
                 std::memory_order_relaxed);
  }
  void operator++() { add(1); }
  void operator--() { add(-1); }
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

struct SupervisorStats {
  uint64_t notifications = 0;
  uint64_t answered = 0;
  uint64_t targets_gone = 0;  // caller left before the answer (ENOENT, failed ID_VALID)
  uint64_t errors = 0;
  uint64_t unanswered = 0;  // received, answer not sent yet: being emulated or held for a person
  uint64_t listeners_opened = 0;
  uint64_t listeners_closed = 0;
};

class ServingLoop {
 public:
  ServingLoop(Supervisor& owner, unsigned index, int home_ns);
  ~ServingLoop();  // after join()
  ServingLoop(const ServingLoop&) = delete;
  ServingLoop& operator=(const ServingLoop&) = delete;

  std::expected<void, std::string> start();
  // Any thread: the listener is served from the loop's next iteration on.
  void add_listener(UniqueFd fd, TargetInfo target, std::shared_ptr<const Decider> decider);
  // Any thread: answers a pending call of one of this loop's listeners. The caller is answered from the
  // calling thread at once; the event is recorded before the answer, the counters follow on the loop.
  // Kill and trap answers are sent from the loop (they signal the caller first).
  void complete(const PendingCallPtr& call, Decision decision);
  // The loop thread, inside a callback: runs `work` on this thread right after the current iteration.
  void run_outside_loop(std::function<void()> work) { carriers_.run_outside_loop(std::move(work)); }
  // Any thread: runs fn on this loop's thread.
  void post(std::function<void()> fn) { executor_.post(std::move(fn)); }
  // Any thread: stops serving; the loop runs dry and its threads finish. Then join().
  void close();
  void join() { carriers_.join(); }

  // Any thread.
  SupervisorStats stats() const;
  void add_decision_stats_to(DecisionStats& total) const;
  size_t listener_count() const { return listener_count_.load(std::memory_order_relaxed); }
  size_t threads() const { return carriers_.threads(); }
  // Calls fn for each listener under the loop's listener lock: fn must not block for long. `fn` may
  // replace_decider() the listener.
  void for_each_listener(const std::function<void(Listener&)>& fn);
  // Inside for_each_listener: the listener's calls are decided by `decider` from its next notification on
  // (calls already pending keep the decider they were decided by).
  void replace_decider(Listener& listener, std::shared_ptr<const Decider> decider);

  // Before any listener is added: every call is recorded in these slots of the keeper's in-flight record
  // until it is answered.
  void record_inflight(InflightSlot* first, size_t count) {
    inflight_ = std::make_unique<LoopInflight>(first, count);
  }
  // Any thread: answers the calls an earlier daemon received and left unanswered, those of this loop's
  // listeners (by keeper key): a call still waiting is decided again, an emulation that may have begun fails
  // closed with EPERM, a held call is held again with its age. Each handled slot is freed. `done` runs on
  // this loop afterwards.
  void recover(std::shared_ptr<const std::vector<InflightSlot*>> slots,
               std::function<void(size_t handled)> done);
  // Any thread: stops receiving calls (an upgrade hands over to another daemon), or starts again.
  // `done` runs on this loop afterwards.
  void set_receiving(bool receiving, std::function<void()> done);
  // Any thread: emulations begun and not answered yet.
  int64_t emulations_running() const { return emulations_running_.load(); }

 private:
  friend class Listener;
  void handle_notification(Listener& listener);
  // Loop thread: decides a received call and answers it, or hands it on (emulator, asker).
  void decide_and_answer(Listener& listener, const seccomp_notif& req, uint64_t start);
  void listener_closed(Listener* listener);
  void apply_replaced_deciders(Listener& listener);
  // Loop thread: sends `decision` for `id` and records the event; the statistics count it as `counted`.
  // False when the caller is gone.
  bool answer(Listener& listener, const CallContext& call, uint64_t id, const Decision& decision,
              uint64_t started_ns, Verdict counted);
  void complete_on_loop(const PendingCallPtr& call, Decision decision);
  struct Delivery {
    enum Kind { Sent, Gone, Failed } kind;
    int error;            // Failed: errno
    uint64_t latency_ns;  // Sent: from the notification to the answer
  };
  // Any thread: re-checks the call if anything was read from the caller, runs `before_send`, sends.
  static Delivery deliver(int fd, seccomp_notif_resp& resp, const CallContext& call, uint64_t id,
                          const Decision& decision, uint64_t started_ns,
                          const std::function<void()>& before_send = {});
  // The event, to the log and the watchers. Any thread.
  void record_event(const DecisionEvent& event);
  // Loop thread: counters, decision stats, and the event unless recorded already (record_event). A call a
  // handler answered counts as emulated whatever it returned.
  void account(const Listener& listener, const CallContext& call, const Decision& decision,
               const Delivery& delivery, bool event_recorded, Verdict counted);
  // Loop thread: the caller view a carrier holds after an emulation is let go after kLinger idle, or at once
  // when a listener closes.
  void hold_caller_view_a_while();
  void leave_caller_view_now();
  static void on_linger_end(uv_timer_t* timer);

  // How long the loop stays in its last caller's mount namespace and root (see caller_view.h), ready for
  // that caller's next call. Bounds how long it can keep a dead container's namespace alive.
  static constexpr uint64_t kLingerMs = 500;

  Supervisor& owner_;
  const unsigned index_;
  const int home_ns_;  // the daemon's own mount namespace (owned by the Supervisor)
  uv_loop_t loop_{};
  LoopExecutor executor_;
  LoopCarriers carriers_;
  uv_timer_t linger_{};
  bool closing_ = false;  // loop thread
  bool paused_ = false;   // loop thread: set_receiving(false)
  std::atomic<int64_t> emulations_running_{0};
  static constexpr unsigned kClosesPerTrim = 1024;
  unsigned closed_since_trim_ = 0;  // loop thread

  mutable std::mutex listeners_mutex_;  // listeners_ and each listener's replacement decider
  std::unordered_map<Listener*, std::shared_ptr<Listener>> listeners_;
  std::atomic<size_t> listener_count_{0};

  struct Counters {
    LoopCounter notifications, answered, targets_gone, errors, unanswered, listeners_opened, listeners_closed;
  } counters_;
  mutable std::mutex decision_stats_mutex_;  // the loop writes, `ctl stats` and metrics read
  DecisionStats decision_stats_;
  std::unique_ptr<LoopInflight> inflight_;  // null without a keeper
  // Held shared while another thread sends an answer and posts its accounting; close() waits for them.
  std::shared_mutex off_loop_answers_;
};

}  // namespace tollgate
