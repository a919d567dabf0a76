// The event loop side: one uv_poll handle per listener, RECV only on readiness, every notification
// answered exactly once: at once for calls the decider settles, later (through PendingCall) for calls an
// emulation handler or a person decides.
#pragma once

#include <uv.h>

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "supervisor/decider.h"
#include "supervisor/decision_stats.h"
#include "supervisor/event_tap.h"
#include "supervisor/event_log.h"
#include "supervisor/loop_executor.h"
#include "supervisor/pending_call.h"
#include "supervisor/target_info.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

class Listener;

struct SupervisorStats {
  uint64_t notifications = 0;
  uint64_t answered = 0;
  uint64_t targets_gone = 0;  // caller left before the answer (ENOENT, failed ID_VALID)
  uint64_t errors = 0;
  uint64_t unanswered = 0;    // received, answer not sent yet: being emulated or held for a person
  uint64_t listeners_opened = 0;
  uint64_t listeners_closed = 0;
};

class Supervisor {
 public:
  Supervisor(uv_loop_t* loop, EventLog& events);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Takes ownership of the listener and serves it until every process using the filter is gone.
  // Error: a libuv message (the listener is closed then, and the target's notified calls fail with ENOSYS).
  std::expected<void, std::string> add_listener(UniqueFd listener, TargetInfo target,
                                                std::shared_ptr<const Decider> decider);

  // Who finishes "emulate" and "ask" decisions. Without one, such calls are denied with EPERM at once.
  void set_emulator(AsyncDecider* emulator) { emulator_ = emulator; }
  void set_asker(AsyncDecider* asker) { asker_ = asker; }
  // Also shows every decision to `tap` (the control socket's watchers); nullptr to stop.
  void set_event_tap(EventTap* tap) { tap_ = tap; }

  // Answers a pending call: re-checks that the caller still waits if anything was read from it, sends,
  // records the event. Loop thread only; a second completion of the same call is ignored.
  void complete(const PendingCallPtr& call, Decision decision);
  // The same from any thread (emulation workers): the caller is answered at once, without waiting for
  // the loop; the event and counters follow on the loop thread. Kill and trap answers go through the loop.
  void complete_from_any_thread(const PendingCallPtr& call, Decision decision);
  // Runs fn on the loop thread; callable from any thread (emulation workers).
  void post(std::function<void()> fn) { executor_.post(std::move(fn)); }

  // Stops serving everything; handles finish closing on the next loop iteration.
  void close_all();
  size_t listener_count() const { return listeners_.size(); }
  const SupervisorStats& stats() const { return stats_; }
  const DecisionStats& decision_stats() const { return decision_stats_; }
  // The listeners being served, for `ctl targets`. Loop thread.
  void for_each_listener(const std::function<void(Listener&)>& fn);

 private:
  friend class Listener;
  void handle_notification(Listener& listener);
  void listener_closed(Listener* listener);
  // Sends `decision` for `id` and records the event; the statistics count it as `counted` (see account).
  // False when the caller is gone.
  bool answer(Listener& listener, const CallContext& call, uint64_t id, const Decision& decision, uint64_t started_ns,
              Verdict counted);
  struct Delivery {
    enum Kind { Sent, Gone, Failed } kind;
    int error;            // Failed: errno
    uint64_t latency_ns;  // Sent: from the notification to the answer
  };
  // Any thread: re-checks the call if anything was read from the caller, runs `before_send`, sends.
  // `resp` is scratch space.
  static Delivery deliver(int fd, seccomp_notif_resp& resp, const CallContext& call, uint64_t id,
                          const Decision& decision, uint64_t started_ns,
                          const std::function<void()>& before_send = {});
  // Loop thread: counters, decision stats, the event (unless recorded already) and the watchers. The decision
  // stats count the answer as `counted`: the decision's own verdict, except that a call a handler answered
  // counts as emulated whatever it returned (a value, or the errno of a refused emulation).
  void account(const Listener& listener, const CallContext& call, const Decision& decision,
               const Delivery& delivery, bool event_recorded, Verdict counted);

  uv_loop_t* loop_;
  EventLog& events_;
  SupervisorStats stats_;
  DecisionStats decision_stats_;
  LoopExecutor executor_;
  AsyncDecider* emulator_ = nullptr;
  AsyncDecider* asker_ = nullptr;
  EventTap* tap_ = nullptr;
  std::unordered_map<Listener*, std::shared_ptr<Listener>> listeners_;
  // Held shared while a worker sends an answer and posts its accounting; close_all takes it exclusively.
  std::shared_mutex off_loop_answers_;
};

}  // namespace tollgate
