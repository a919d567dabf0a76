#include "supervisor/serving_loop.h"

#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstring>

#include "core/syscall_names.h"
#include "supervisor/caller/caller_stderr.h"
#include "supervisor/caller/caller_view.h"
#include "supervisor/caller_signal.h"
#include "supervisor/denial_notice.h"
#include "supervisor/listener.h"
#include "supervisor/monotonic_clock.h"
#include "supervisor/supervisor.h"

namespace tollgate {
namespace {

uv_loop_t* initialized(uv_loop_t* loop) {
  if (int rc = uv_loop_init(loop); rc != 0)
    throw std::runtime_error(std::string("starting a serving loop: ") + uv_strerror(rc));
  return loop;
}

// What an ask or emulate decision becomes when nobody is there to finish it: the closed answer.
Decision without_async_decider(const Decision& d) {
  // No one to ask: the rule's default applies at once, as it would after the timeout.
  if (d.verdict == Verdict::Ask)
    return ask_default(d, "ask: no interactive channel, default allow",
                       "ask: no interactive channel, default deny");
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
  if (write_to_caller_stderr(caller, denial_notice(call, decision, budget.left_out())))
    budget.said_left_out();
}

void fill_response(seccomp_notif_resp& resp, uint64_t id, const Decision& d) {
  resp.id = id;
  resp.val = 0;
  resp.error = 0;
  resp.flags = 0;
  switch (d.verdict) {
    case Verdict::Continue:
      resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      break;
    case Verdict::Value:
      resp.val = d.value;
      break;
    // What a traced or trapped call returns when nothing else answers it.
    case Verdict::Kill:
    case Verdict::Trap:
      resp.error = -ENOSYS;
      break;
    default:
      resp.error = -(d.error > 0 ? d.error : EPERM);
      break;
  }
}

// How the statistics count a pending call's answer: "emulate" for every call a handler answered.
Verdict counted_verdict(const PendingCall& pending, const Decision& answer) {
  return pending.decision().verdict == Verdict::Emulate ? Verdict::Emulate : answer.verdict;
}

// Never CONTINUE a call whose decision read the caller's memory: the caller may have changed it since.
Decision closed_if_unsafe(const PendingCall& pending, Decision decision) {
  if (decision.verdict == Verdict::Continue &&
      (pending.decision().depends_on_memory || decision.depends_on_memory))
    return Decision::deny(EPERM, "refusing CONTINUE after reading the caller's memory", decision.rule);
  return decision;
}

}  // namespace

ServingLoop::ServingLoop(Supervisor& owner, unsigned index, int home_ns)
    : owner_(owner),
      index_(index),
      home_ns_(home_ns),
      executor_(initialized(&loop_), /*keeps_loop_alive=*/true),
      carriers_(&loop_, "serving loop " + std::to_string(index),
                LoopCarriers::Hooks{
                    // Joining a caller's mount namespace (setns needs an unshared fs_struct) or root must
                    // affect this thread only.
                    .thread_started =
                        [] {
                          if (unshare(CLONE_FS) != 0)
                            spdlog::error("serving loop thread: no private fs state: {}",
                                          std::strerror(errno));
                        },
                    .resumed_loop = [this] { hold_caller_view_a_while(); },
                    .became_standby = [this] { leave_caller_view_now(); },
                }) {
  uv_timer_init(&loop_, &linger_);
  linger_.data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(&linger_));
}

ServingLoop::~ServingLoop() {
  uv_loop_close(&loop_);
}

std::expected<void, std::string> ServingLoop::start() {
  return carriers_.start();
}

void ServingLoop::add_listener(UniqueFd fd, TargetInfo target, std::shared_ptr<const Decider> decider) {
  // Built here, so that the listener's rows in the statistics are chosen under the lock.
  auto listener = std::make_shared<Listener>(*this, std::move(fd), std::move(target), std::move(decider));
  post([this, listener = std::move(listener)]() mutable {
    Listener* raw = listener.get();
    const TargetInfo& t = raw->target();
    {
      std::scoped_lock lock(listeners_mutex_, decision_stats_mutex_);
      raw->set_stats_rows(
          decision_stats_.rows_for(t.policy_name, t.container ? t.container->container().id : ""));
      listeners_.emplace(raw, std::move(listener));
    }
    listener_count_.fetch_add(1, std::memory_order_relaxed);
    ++counters_.listeners_opened;
    if (closing_) {
      raw->close();
      return;
    }
    if (int rc = raw->start(&loop_); rc != 0) {
      spdlog::error("watching a listener (pid {}): {}", t.pid, uv_strerror(rc));
      raw->close();
      return;
    }
    if (paused_) raw->pause();
  });
}

void ServingLoop::for_each_listener(const std::function<void(Listener&)>& fn) {
  std::lock_guard lock(listeners_mutex_);
  for (const auto& [raw, _] : listeners_)
    if (!raw->closing()) fn(*raw);
}

void ServingLoop::replace_decider(Listener& listener, std::shared_ptr<const Decider> decider) {
  // listeners_mutex_ is held (for_each_listener).
  listener.replacement_ = std::move(decider);
  listener.replaced_.store(true, std::memory_order_release);
}

void ServingLoop::apply_replaced_deciders(Listener& listener) {
  std::lock_guard lock(listeners_mutex_);
  if (listener.replacement_) listener.set_decider(std::move(listener.replacement_));
  listener.replacement_.reset();
  listener.replaced_.store(false, std::memory_order_relaxed);
}

void ServingLoop::listener_closed(Listener* listener) {
  ++counters_.listeners_closed;
  std::shared_ptr<Listener> gone;
  {
    std::lock_guard lock(listeners_mutex_);
    auto it = listeners_.find(listener);
    if (it == listeners_.end()) return;
    gone = std::move(it->second);
    listeners_.erase(it);
  }
  listener_count_.fetch_sub(1, std::memory_order_relaxed);
  owner_.forget_listener(gone->target().keeper_key);
  // Thousands of targets come and go on a busy host: now and then, what their listeners used goes back to
  // the system rather than staying in the allocator's free lists (on the main loop: a trim can take a while).
  if (++closed_since_trim_ >= kClosesPerTrim) {
    closed_since_trim_ = 0;
    owner_.post([] { malloc_trim(0); });
  }
  // Its target tree is gone: whatever this thread keeps of a caller's namespaces may be that tree's.
  leave_caller_view_now();
}

SupervisorStats ServingLoop::stats() const {
  return SupervisorStats{counters_.notifications.get(),   counters_.answered.get(),
                         counters_.targets_gone.get(),    counters_.errors.get(),
                         counters_.unanswered.get(),      counters_.listeners_opened.get(),
                         counters_.listeners_closed.get()};
}

void ServingLoop::add_decision_stats_to(DecisionStats& total) const {
  std::lock_guard lock(decision_stats_mutex_);
  total.merge(decision_stats_);
}

ServingLoop::Delivery ServingLoop::deliver(int fd, seccomp_notif_resp& resp, const CallContext& call,
                                           uint64_t id, const Decision& decision, uint64_t started_ns,
                                           const std::function<void()>& before_send) {
  // Anything read from /proc or the caller's memory may belong to another process by now if the caller
  // died and its pid was reused: act only if the very same call is still waiting.
  if (call.touched_target() && !notify_id_valid(fd, id)) return {Delivery::Gone, 0, 0};
  if (before_send) before_send();
  fill_response(resp, id, decision);
  if (auto r = notify_send(fd, resp); !r)
    return {r.error().kind == NotifyError::TargetGone ? Delivery::Gone : Delivery::Failed, r.error().error,
            0};
  return {Delivery::Sent, 0, monotonic_ns() - started_ns};
}

void ServingLoop::account(const Listener& listener, const CallContext& call, const Decision& decision,
                          const Delivery& delivery, bool event_recorded, Verdict counted) {
  switch (delivery.kind) {
    case Delivery::Gone:
      ++counters_.targets_gone;
      return;
    case Delivery::Failed:
      ++counters_.errors;
      spdlog::error("answering {}: {}", call.syscall_name(), std::strerror(delivery.error));
      return;
    case Delivery::Sent:
      break;
  }
  ++counters_.answered;
  {
    std::lock_guard lock(decision_stats_mutex_);
    decision_stats_.record(call.notification().data.nr, counted, delivery.latency_ns, listener.stats_rows());
  }
  if (event_recorded) return;
  EventLog& events = owner_.events();
  if (events.enabled()) events.record(DecisionEvent{call, decision, listener.target(), delivery.latency_ns});
  if (owner_.tap_active()) owner_.tap(DecisionEvent{call, decision, listener.target(), delivery.latency_ns});
}

void ServingLoop::record_event(const DecisionEvent& event) {
  EventLog& events = owner_.events();
  if (events.enabled()) events.record(event);
  if (owner_.tap_active()) owner_.tap(event);
}

bool ServingLoop::answer(Listener& listener, const CallContext& call, uint64_t id, const Decision& decision,
                         uint64_t started_ns, Verdict counted) {
  // Explain mode's KILL/TRAP: a pidfd checked against this very call, and the event recorded before the
  // caller dies, since it may be the last anyone hears of it.
  const bool signals = decision.verdict == Verdict::Kill || decision.verdict == Verdict::Trap;
  const bool notice =
      shows_denials_to_caller(listener.target(), decision) && listener.notice_budget().take(monotonic_ns());
  UniqueFd caller;
  if (signals || notice) {
    auto opened = open_caller_pidfd(listener.fd(), id, call.pid());
    if (!opened && signals) {
      ++counters_.targets_gone;
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
  if (record_first)
    record_event(DecisionEvent{call, decision, listener.target(), monotonic_ns() - started_ns});
  if (signals) {
    // Sent before the answer: the filter waits killable-only (WAIT_KILLABLE_RECV), so an uncaught SIGSYS
    // kills the caller inside the call, and a caught one (TRAP) is handled as the call returns, as the kernel
    // would do it.
    send_signal(caller, decision.verdict == Verdict::Kill ? fatal_signal_for(call.pid()) : SIGSYS);
  }
  const Delivery delivery =
      deliver(listener.fd(), listener.buffers().response(), call, id, decision, started_ns);
  account(listener, call, decision, delivery, record_first, counted);
  return delivery.kind == Delivery::Sent;
}

void ServingLoop::handle_notification(Listener& listener) {
  // Bookkeeping posted for calls answered off the loop comes first: a caller's next call must not reach the
  // watchers before its previous one.
  executor_.run_pending();
  if (listener.replaced_.load(std::memory_order_acquire)) apply_replaced_deciders(listener);
  // Under a keeper, the kernel writes the notification straight into the in-flight record.
  const bool recorded =
      inflight_ && listener.target().keeper_key != 0 && kernel_notification_fits_our_struct();
  seccomp_notif& req =
      recorded ? inflight_->receiving(listener.target().keeper_key) : listener.buffers().request();
  if (auto r = notify_receive(listener.fd(), req); !r) {
    if (recorded) inflight_->decided();
    if (r.error().kind == NotifyError::TargetGone) {
      ++counters_.targets_gone;
    } else {
      ++counters_.errors;
      spdlog::error("receiving a notification: {}", std::strerror(r.error().error));
      listener.close();
    }
    return;
  }
  ++counters_.notifications;
  decide_and_answer(listener, req, monotonic_ns());
}

void ServingLoop::decide_and_answer(Listener& listener, const seccomp_notif& req, uint64_t start) {
  // Recorded before anything is decided or done: if this daemon dies now, the next one answers the call.
  const bool recorded = inflight_ && listener.target().keeper_key != 0;
  if (recorded) inflight_->deciding(listener.target().keeper_key, req, start);
  struct DecidedOnReturn {
    LoopInflight* inflight;
    ~DecidedOnReturn() {
      if (inflight) inflight->decided();
    }
  } decided_on_return{recorded ? inflight_.get() : nullptr};

  CallContext call(req, native_syscall_name(req.data.nr));
  if (owner_.events().enabled() || owner_.tap_active()) call.prefetch_for_event();
  Decision decision = listener.decider().decide(call);

  if (decision.verdict == Verdict::Emulate || decision.verdict == Verdict::Ask) {
    AsyncDecider* emulator = owner_.emulator();
    const bool asks = decision.verdict == Verdict::Ask;
    if ((asks && !owner_.has_asker()) || (!asks && emulator == nullptr)) {
      const Decision fallback = without_async_decider(decision);
      answer(listener, call, req.id, fallback, start, fallback.verdict);
      return;
    }
    ++counters_.unanswered;
    auto pending = std::make_shared<PendingCall>(listener.shared_from_this(), req, call, decision, start);
    if (recorded) {
      pending->inflight_ = inflight_.get();
      pending->inflight_slot_ =
          inflight_->keep_pending(asks ? InflightState::Held : InflightState::Emulating);
    }
    if (asks)
      owner_.ask(std::move(pending));
    else {
      emulations_running_.fetch_add(1);
      emulator->begin(std::move(pending));
    }
    return;
  }
  answer(listener, call, req.id, decision, start, decision.verdict);
}

void ServingLoop::complete_on_loop(const PendingCallPtr& pending, Decision decision) {
  if (pending->completed_.exchange(true)) return;
  --counters_.unanswered;
  const Decision answered = closed_if_unsafe(*pending, std::move(decision));
  answer(*pending->listener_, pending->call(), pending->id(), answered, pending->started_ns(),
         counted_verdict(*pending, answered));
  if (pending->decision().verdict == Verdict::Emulate) emulations_running_.fetch_sub(1);
}

void ServingLoop::complete(const PendingCallPtr& pending, Decision decision) {
  if (decision.verdict == Verdict::Kill || decision.verdict == Verdict::Trap) {
    post([this, pending, decision] {
      complete_on_loop(pending, decision);
    });  // signals are sent from the loop
    return;
  }
  std::shared_lock sending(off_loop_answers_);
  if (pending->completed_.exchange(true)) return;
  decision = closed_if_unsafe(*pending, std::move(decision));
  // A handler's answer is recorded before it is sent: a daemon killed in between leaves it for the next one
  // to send, instead of an EPERM for a mount that was done.
  if (pending->inflight_slot_ != nullptr && pending->decision().verdict == Verdict::Emulate &&
      (decision.verdict == Verdict::Errno || decision.verdict == Verdict::Value))
    LoopInflight::emulated(pending->inflight_slot_, decision.verdict == Verdict::Errno ? decision.error : 0,
                           decision.value);
  // The caller waits on this answer, not on the loop: send it from here, then tell the loop. The event is
  // written first (the log is thread-safe), or the caller's next call could be logged before this one.
  const CallContext& call = pending->call();
  auto record = [&] {
    record_event(DecisionEvent{call, decision, pending->target(), monotonic_ns() - pending->started_ns()});
  };
  thread_local NotificationBuffers buffers;
  const Delivery delivery = deliver(pending->listener_fd(), buffers.response(), call, pending->id(), decision,
                                    pending->started_ns(), record);
  if (pending->decision().verdict == Verdict::Emulate) emulations_running_.fetch_sub(1);
  post([this, pending, decision, delivery] {
    --counters_.unanswered;
    account(*pending->listener_, pending->call(), decision, delivery, /*event_recorded=*/true,
            counted_verdict(*pending, decision));
  });
}

void ServingLoop::close() {
  post([this] {
    // Answers sent off the loop just before (whose targets may have exited since) post their events first.
    { std::unique_lock no_more(off_loop_answers_); }
    closing_ = true;
    std::vector<Listener*> all;
    {
      std::lock_guard lock(listeners_mutex_);
      all.reserve(listeners_.size());
      for (auto& [raw, _] : listeners_) all.push_back(raw);
    }
    for (Listener* l : all) l->close();  // may erase from listeners_
    leave_caller_view_now();
    uv_close(reinterpret_cast<uv_handle_t*>(&linger_), nullptr);
    executor_.close();
  });
}

void ServingLoop::hold_caller_view_a_while() {
  if (closing_ || !holding_caller_view()) return;
  uv_timer_start(&linger_, &ServingLoop::on_linger_end, kLingerMs, 0);
}

void ServingLoop::on_linger_end(uv_timer_t* timer) {
  static_cast<ServingLoop*>(timer->data)->leave_caller_view_now();
}

void ServingLoop::leave_caller_view_now() {
  if (!holding_caller_view()) return;
  if (auto left = leave_caller_view(home_ns_); !left)
    spdlog::error("serving loop {}: cannot return to the daemon's own mount namespace: {}", index_,
                  std::strerror(left.error()));
}

void ServingLoop::recover(std::shared_ptr<const std::vector<InflightSlot*>> slots,
                          std::function<void(size_t handled)> done) {
  post([this, slots = std::move(slots), done = std::move(done)] {
    std::unordered_map<uint64_t, Listener*> by_key;
    {
      std::lock_guard lock(listeners_mutex_);
      for (const auto& [raw, _] : listeners_)
        if (raw->target().keeper_key != 0 && !raw->closing()) by_key.emplace(raw->target().keeper_key, raw);
    }
    size_t handled = 0;
    for (InflightSlot* slot : *slots) {
      const auto state = static_cast<InflightState>(slot->state.load(std::memory_order_acquire));
      auto it = by_key.find(slot->listener_key);
      if (state == InflightState::Free || it == by_key.end()) continue;
      Listener& listener = *it->second;
      const seccomp_notif req = slot->notification;
      // Answered just before the old daemon died, or its caller left: nothing to do.
      if (notify_id_valid(listener.fd(), req.id)) {
        ++counters_.notifications;
        if (state == InflightState::Emulated || state == InflightState::Emulating) {
          // Emulated: the handler finished and its answer was about to go; that answer goes now, so the
          // call is done once and reported done. Emulating: the handler may have done it already, and doing
          // it again could mount twice, so it fails closed.
          const Decision recovered =
              state == InflightState::Emulating
                  ? Decision::deny(EPERM,
                                   "the daemon restarted during this emulation; it fails closed rather than "
                                   "risk doing it twice")
              : slot->answer_error != 0
                  ? Decision::deny(slot->answer_error, "emulated before the daemon restarted")
                  : Decision{Verdict::Value, 0, slot->answer_value, nullptr,
                             "emulated before the daemon restarted"};
          CallContext call(req, native_syscall_name(req.data.nr));
          if (inflight_) inflight_->deciding(slot->listener_key, req, slot->started_ns);
          answer(listener, call, req.id, recovered, slot->started_ns, Verdict::Emulate);
          if (inflight_) inflight_->decided();
        } else {
          decide_and_answer(listener, req, slot->started_ns);
        }
      }
      slot->state.store(static_cast<uint32_t>(InflightState::Free), std::memory_order_release);
      ++handled;
    }
    done(handled);
  });
}

void ServingLoop::set_receiving(bool receiving, std::function<void()> done) {
  post([this, receiving, done = std::move(done)] {
    paused_ = !receiving;
    {
      std::lock_guard lock(listeners_mutex_);
      for (const auto& [raw, _] : listeners_) receiving ? raw->resume() : raw->pause();
    }
    done();
  });
}

}  // namespace tollgate
