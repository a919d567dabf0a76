#include "supervisor/supervisor.h"

#include <spdlog/spdlog.h>
#include <signal.h>
#include <time.h>

#include <cstring>
#include <mutex>
#include <shared_mutex>

#include "core/syscall_names.h"
#include "supervisor/caller/caller_stderr.h"
#include "supervisor/caller_signal.h"
#include "supervisor/denial_notice.h"
#include "supervisor/listener.h"
#include "supervisor/monotonic_clock.h"

namespace tollgate {
namespace {

// What an ask or emulate decision becomes when nobody is there to finish it: the closed answer.
Decision without_async_decider(const Decision& d) {
  // No one to ask: the rule's default applies at once, as it would after the timeout.
  if (d.verdict == Verdict::Ask)
    return ask_default(d, "ask: no interactive channel, default allow", "ask: no interactive channel, default deny");
  return Decision::deny(EPERM, "no emulation handler available", d.rule);
}

// Explain mode for a container (the mode is the container's consent): a denial the profile would make is
// shown in the container's own terminal too.
bool shows_denials_to_caller(const TargetInfo& target, const Decision& d) {
  const bool denial = d.verdict == Verdict::Errno || d.verdict == Verdict::Kill || d.verdict == Verdict::Trap;
  return denial && !d.explanation.empty() && target.container != nullptr &&
         target.container->container().mode == PolicyMode::Explain;
}

void show_denial_to_caller(Listener& listener, const CallContext& call, const Decision& decision,
                           const UniqueFd& caller) {
  NoticeBudget& budget = listener.notice_budget();
  // A full pipe or a stderr that is not a terminal loses this line only; the event has it.
  if (write_to_caller_stderr(caller, denial_notice(call, decision, budget.left_out()))) budget.said_left_out();
}

void fill_response(seccomp_notif_resp& resp, uint64_t id, const Decision& d) {
  resp.id = id;
  resp.val = 0;
  resp.error = 0;
  resp.flags = 0;
  switch (d.verdict) {
    case Verdict::Continue: resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE; break;
    case Verdict::Value: resp.val = d.value; break;
    // What a traced or trapped call returns when nothing else answers it.
    case Verdict::Kill:
    case Verdict::Trap: resp.error = -ENOSYS; break;
    default: resp.error = -(d.error > 0 ? d.error : EPERM); break;
  }
}

}  // namespace

Supervisor::Supervisor(uv_loop_t* loop, EventLog& events) : loop_(loop), events_(events), executor_(loop) {}

Supervisor::~Supervisor() {
  // Handles must be closed through the loop before their memory goes; the owner runs the loop after
  // close_all(). Anything still here was never started.
  close_all();
}

std::expected<void, std::string> Supervisor::add_listener(UniqueFd fd, TargetInfo target,
                                                          std::shared_ptr<const Decider> decider) {
  notify_set_sync_wakeup(fd.get());  // quietly absent before Linux 6.6
  auto listener = std::make_shared<Listener>(*this, std::move(fd), std::move(target), std::move(decider));
  Listener* raw = listener.get();
  const TargetInfo& t = raw->target();
  raw->set_stats_rows(
      decision_stats_.rows_for(t.policy_name, t.container ? t.container->container().id : ""));
  listeners_.emplace(raw, std::move(listener));
  ++stats_.listeners_opened;
  if (int rc = raw->start(loop_); rc != 0) {
    raw->close();
    return std::unexpected(std::string("watching the listener: ") + uv_strerror(rc));
  }
  return {};
}


void Supervisor::for_each_listener(const std::function<void(Listener&)>& fn) {
  for (const auto& [raw, _] : listeners_)
    if (!raw->closing()) fn(*raw);
}

void Supervisor::listener_closed(Listener* listener) {
  ++stats_.listeners_closed;
  listeners_.erase(listener);
  if (emulator_ != nullptr) emulator_->listener_closed();
}

Supervisor::Delivery Supervisor::deliver(int fd, seccomp_notif_resp& resp, const CallContext& call, uint64_t id,
                                         const Decision& decision, uint64_t started_ns,
                                         const std::function<void()>& before_send) {
  // Anything read from /proc or the caller's memory may belong to another process by now if the caller
  // died and its pid was reused: act only if the very same call is still waiting.
  if (call.touched_target() && !notify_id_valid(fd, id)) return {Delivery::Gone, 0, 0};
  if (before_send) before_send();
  fill_response(resp, id, decision);
  if (auto r = notify_send(fd, resp); !r)
    return {r.error().kind == NotifyError::TargetGone ? Delivery::Gone : Delivery::Failed, r.error().error, 0};
  return {Delivery::Sent, 0, monotonic_ns() - started_ns};
}

void Supervisor::account(const Listener& listener, const CallContext& call, const Decision& decision,
                         const Delivery& delivery, bool event_recorded, Verdict counted) {
  switch (delivery.kind) {
    case Delivery::Gone: ++stats_.targets_gone; return;
    case Delivery::Failed:
      ++stats_.errors;
      spdlog::error("answering {}: {}", call.syscall_name(), std::strerror(delivery.error));
      return;
    case Delivery::Sent: break;
  }
  ++stats_.answered;
  decision_stats_.record(call.notification().data.nr, counted, delivery.latency_ns, listener.stats_rows());
  if (events_.enabled() && !event_recorded)
    events_.record(DecisionEvent{call, decision, listener.target(), delivery.latency_ns});
  if (tap_ != nullptr && tap_->active())
    tap_->decided(DecisionEvent{call, decision, listener.target(), delivery.latency_ns});
}

bool Supervisor::answer(Listener& listener, const CallContext& call, uint64_t id, const Decision& decision,
                        uint64_t started_ns, Verdict counted) {
  // Explain mode's KILL/TRAP: a pidfd checked against this very call, and the event recorded before the
  // caller dies, since it may be the last anyone hears of it.
  const bool signals = decision.verdict == Verdict::Kill || decision.verdict == Verdict::Trap;
  const bool notice = shows_denials_to_caller(listener.target(), decision) &&
                      listener.notice_budget().take(monotonic_ns());
  UniqueFd caller;
  if (signals || notice) {
    auto opened = open_caller_pidfd(listener.fd(), id, call.pid());
    if (!opened && signals) {
      ++stats_.targets_gone;
      return false;
    }
    if (opened) caller = std::move(*opened);
  }
  // Before the answer, so that the line comes just before the program's own error message.
  if (notice && caller) show_denial_to_caller(listener, call, decision, caller);
  // An explained call (explain, audit) is recorded before the answer too: `tollgate run --explain` prints it
  // on the terminal the program shares, and a line printed after the answer can land in the middle of the
  // program's own error message, which it may write in several pieces.
  const bool record_first = signals || !decision.explanation.empty();
  if (record_first && events_.enabled())
    events_.record(DecisionEvent{call, decision, listener.target(), monotonic_ns() - started_ns});
  if (signals) {
    // Sent before the answer: the filter waits killable-only (WAIT_KILLABLE_RECV), so an uncaught SIGSYS
    // kills the caller inside the call, and a caught one (TRAP) is handled as the call returns, as the kernel
    // would do it.
    send_signal(caller, decision.verdict == Verdict::Kill ? fatal_signal_for(call.pid()) : SIGSYS);
  }
  const Delivery delivery = deliver(listener.fd(), listener.buffers().response(), call, id, decision, started_ns);
  account(listener, call, decision, delivery, record_first, counted);
  return delivery.kind == Delivery::Sent;
}

void Supervisor::handle_notification(Listener& listener) {
  // Bookkeeping posted by workers for calls they answered comes first: a caller's next call must not reach
  // the watchers before its previous one.
  executor_.run_pending();
  seccomp_notif& req = listener.buffers().request();
  if (auto r = notify_receive(listener.fd(), req); !r) {
    if (r.error().kind == NotifyError::TargetGone) {
      ++stats_.targets_gone;
    } else {
      ++stats_.errors;
      spdlog::error("receiving a notification: {}", std::strerror(r.error().error));
      listener.close();
    }
    return;
  }
  ++stats_.notifications;
  const uint64_t start = monotonic_ns();

  CallContext call(req, native_syscall_name(req.data.nr));
  if (events_.enabled() || (tap_ != nullptr && tap_->active())) call.prefetch_for_event();
  Decision decision = listener.decider().decide(call);

  AsyncDecider* finisher = decision.verdict == Verdict::Emulate ? emulator_
                           : decision.verdict == Verdict::Ask   ? asker_
                                                                : nullptr;
  if (decision.verdict == Verdict::Emulate || decision.verdict == Verdict::Ask) {
    if (finisher == nullptr) {
      const Decision fallback = without_async_decider(decision);
      answer(listener, call, req.id, fallback, start, fallback.verdict);
      return;
    }
    ++stats_.unanswered;
    finisher->begin(std::make_shared<PendingCall>(listener.shared_from_this(), req, call, decision, start));
    return;
  }
  answer(listener, call, req.id, decision, start, decision.verdict);
}

namespace {

// How the statistics count a pending call's answer: "emulate" for every call a handler answered.
Verdict counted_verdict(const PendingCall& pending, const Decision& answer) {
  return pending.decision().verdict == Verdict::Emulate ? Verdict::Emulate : answer.verdict;
}

// Never CONTINUE a call whose decision read the caller's memory: the caller may have changed it since.
Decision closed_if_unsafe(const PendingCall& pending, Decision decision) {
  if (decision.verdict == Verdict::Continue && (pending.decision().depends_on_memory || decision.depends_on_memory))
    return Decision::deny(EPERM, "refusing CONTINUE after reading the caller's memory", decision.rule);
  return decision;
}

}  // namespace

void Supervisor::complete(const PendingCallPtr& pending, Decision decision) {
  if (pending->completed_.exchange(true)) return;
  --stats_.unanswered;
  const Decision answered = closed_if_unsafe(*pending, std::move(decision));
  answer(*pending->listener_, pending->call(), pending->id(), answered, pending->started_ns(),
         counted_verdict(*pending, answered));
}

void Supervisor::complete_from_any_thread(const PendingCallPtr& pending, Decision decision) {
  if (decision.verdict == Verdict::Kill || decision.verdict == Verdict::Trap) {
    post([this, pending, decision] { complete(pending, decision); });  // signals are sent from the loop
    return;
  }
  std::shared_lock sending(off_loop_answers_);
  if (pending->completed_.exchange(true)) return;
  decision = closed_if_unsafe(*pending, std::move(decision));
  // The caller waits on this answer, not on the loop: send it from here, then tell the loop. The event is
  // written first (the log is thread-safe), or the caller's next call could be logged before this one.
  const CallContext& call = pending->call();
  auto record = [&] {
    if (events_.enabled())
      events_.record(DecisionEvent{call, decision, pending->target(), monotonic_ns() - pending->started_ns()});
  };
  thread_local NotificationBuffers buffers;
  const Delivery delivery =
      deliver(pending->listener_fd(), buffers.response(), call, pending->id(), decision, pending->started_ns(), record);
  post([this, pending, decision, delivery] {
    --stats_.unanswered;
    account(*pending->listener_, pending->call(), decision, delivery, /*event_recorded=*/true,
            counted_verdict(*pending, decision));
  });
}

void Supervisor::close_all() {
  // close_all() may come right after a target saw an answer sent off the loop (and exited): wait for such
  // answers to be posted, and let the executor run what was posted, so that their events are recorded.
  { std::unique_lock no_more(off_loop_answers_); }
  // close() may erase from the map (for never-started listeners): iterate over a snapshot.
  std::vector<Listener*> all;
  all.reserve(listeners_.size());
  for (auto& [raw, _] : listeners_) all.push_back(raw);
  for (Listener* l : all) l->close();
  executor_.close();
}

}  // namespace tollgate
