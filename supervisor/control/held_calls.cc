#include "supervisor/control/held_calls.h"

#include "supervisor/decide/container_registry.h"

#include <spdlog/spdlog.h>

#include "supervisor/caller/call_formatter.h"
#include "supervisor/control/learned_rules.h"
#include "supervisor/monotonic_clock.h"
#include "supervisor/supervisor.h"

namespace tollgate {
namespace {

// How often held calls are checked for a caller that left (a SIGKILL cannot be refused: the kernel drops
// the notification) and for deadlines. One ID_VALID ioctl per held call per tick; nothing when none is held.
constexpr uint64_t kSweepMs = 20;
// Each held call costs a little memory and a sweep ioctl; a target that spawns threads only to be asked
// about them gets its rule's default at once past this many.
constexpr size_t kMaxHeld = 4096;

}  // namespace

HeldCalls::HeldCalls(uv_loop_t* loop, Supervisor& supervisor, LearnedRules* learned)
    : supervisor_(supervisor), learned_(learned) {
  uv_timer_init(loop, &timer_);
  timer_.data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(&timer_));
}

HeldCalls::~HeldCalls() {
  close();
}

void HeldCalls::close() {
  if (closed_) return;
  // Answer what is still held rather than leave it to the ENOSYS the kernel gives when the listener closes.
  while (!calls_.empty()) {
    auto it = calls_.begin();
    finish(it, HeldChange::TimedOut,
           ask_default(it->second.call->decision(), "supervisor stopping, ask default allow",
                       "supervisor stopping, ask default deny"));
  }
  closed_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
}

void HeldCalls::begin(PendingCallPtr call) {
  if (closed_) {
    supervisor_.complete(call, ask_default(call->decision(), "supervisor stopping, ask default allow",
                                           "supervisor stopping, ask default deny"));
    return;
  }
  if (learned_ != nullptr) {
    if (auto d = learned_->decide(call->call())) {
      supervisor_.complete(call, *d);
      return;
    }
  }
  if (calls_.size() >= kMaxHeld) {
    supervisor_.complete(call, ask_default(call->decision(), "too many held calls, ask default allow",
                                           "too many held calls, ask default deny"));
    return;
  }
  // What a person needs to see; read now, while the caller waits, and re-checked (ID_VALID) before acting.
  call->call().prefetch_for_event();
  // Held since the call arrived: a call a restarted daemon holds again keeps its age and its deadline.
  const uint64_t now = call->started_ns();
  const Rule* rule = call->decision().rule;
  const uint64_t timeout_ns =
      static_cast<uint64_t>(rule != nullptr ? rule->ask_timeout.count() : 30000) * 1000000u;
  HeldCall held{next_id_++, call, now, now + timeout_ns, format_call(call->call())};
  auto [it, _] = calls_.emplace(held.id, std::move(held));
  if (!timer_running_) {
    timer_running_ = true;
    uv_ref(reinterpret_cast<uv_handle_t*>(&timer_));
    uv_timer_start(&timer_, &HeldCalls::on_sweep, kSweepMs, kSweepMs);
  }
  notify(HeldChange::Held, it->second);
}

std::expected<void, std::string> HeldCalls::answer(uint64_t id, const Answer& answer) {
  auto it = calls_.find(id);
  if (it == calls_.end())
    return std::unexpected("no held call with id " + std::to_string(id) +
                           " (already answered, timed out, or its caller left)");
  const PendingCallPtr call = it->second.call;
  if (!call->still_waiting()) {
    finish(it, HeldChange::Departed, Decision::deny(EPERM, "caller left while held", call->decision().rule));
    return std::unexpected("held call " + std::to_string(id) + ": its caller left");
  }
  if (answer.allow && call->decision().depends_on_memory)
    return std::unexpected(
        "held call " + std::to_string(id) +
        " cannot be allowed: its rule matched on a pointer argument, which the caller can still "
        "change after the check (CONTINUE would be unsafe); deny it, or use an \"emulate\" rule");
  if (answer.always) {
    if (learned_ == nullptr)
      return std::unexpected("--always needs a learned-rules file (tollgate supervise --learned FILE)");
    if (auto r = learned_->learn(call->call(), answer.allow, answer.error); !r)
      return std::unexpected(r.error());
  }
  Decision d = answer.allow ? Decision{Verdict::Continue, 0, 0, call->decision().rule, answer.by}
                            : Decision::deny(answer.error, answer.by, call->decision().rule);
  d.depends_on_memory = call->decision().depends_on_memory;
  finish(it, HeldChange::Answered, d);
  // A learned rule applies at once, also to identical calls already waiting.
  if (answer.always) apply_learned();
  return {};
}

void HeldCalls::apply_learned() {
  for (auto it = calls_.begin(); it != calls_.end();) {
    auto next = std::next(it);
    if (auto d = learned_->decide(it->second.call->call())) finish(it, HeldChange::Learned, *d);
    it = next;
  }
}

void HeldCalls::finish(std::map<uint64_t, HeldCall>::iterator it, HeldChange change,
                       const Decision& decision) {
  HeldCall held = std::move(it->second);
  calls_.erase(it);
  supervisor_.complete(held.call, decision);
  if (calls_.empty() && timer_running_) {
    timer_running_ = false;
    uv_timer_stop(&timer_);
    uv_unref(reinterpret_cast<uv_handle_t*>(&timer_));
  }
  notify(change, held);
}

void HeldCalls::on_sweep(uv_timer_t* timer) {
  static_cast<HeldCalls*>(timer->data)->sweep();
}

void HeldCalls::sweep() {
  const uint64_t now = monotonic_ns();
  for (auto it = calls_.begin(); it != calls_.end();) {
    auto next = std::next(it);
    const PendingCall& call = *it->second.call;
    if (!call.still_waiting()) {
      finish(it, HeldChange::Departed, Decision::deny(EPERM, "caller left while held", call.decision().rule));
    } else if (now >= it->second.deadline_ns) {
      finish(it, HeldChange::TimedOut,
             ask_default(call.decision(), "ask timed out, default allow", "ask timed out, default deny"));
    }
    it = next;
  }
}

void HeldCalls::notify(HeldChange change, const HeldCall& held) {
  for (auto& observer : observers_) observer(change, held);
}

nlohmann::json held_call_json(const HeldCall& held, uint64_t now_ns) {
  const PendingCall& call = *held.call;
  const Rule* rule = call.decision().rule;
  nlohmann::json j = {
      {"id", held.id},
      {"age_ms", (now_ns - held.held_ns) / 1000000u},
      {"expires_in_ms", now_ns < held.deadline_ns ? (held.deadline_ns - now_ns) / 1000000u : 0},
      {"pid", call.call().pid()},
      {"syscall", call.call().syscall_name()},
      {"call", held.rendered},
      {"rule", rule != nullptr ? nlohmann::json(rule->name) : nlohmann::json(nullptr)},
      {"default",
       rule != nullptr && rule->ask_default_allow && !call.decision().depends_on_memory ? "allow" : "deny"},
      {"policy", call.target().policy_name},
      {"target", {{"pid", call.target().pid}, {"argv", shown_command(call.target())}}}};
  if (const ProcessInfo* p = call.call().cached_process()) {
    j["comm"] = p->comm;
    j["exe"] = p->exe;
    j["uid"] = p->uid;
  }
  if (!call.target().metadata.empty()) j["target"]["metadata"] = call.target().metadata;
  if (call.target().container) j["target"]["container"] = container_json(call.target());
  return j;
}

nlohmann::json held_change_json(HeldChange change, const HeldCall& held, uint64_t now_ns) {
  static const char* const kNames[] = {"held", "answered", "timed_out", "departed", "learned"};
  nlohmann::json j = {{"event", kNames[static_cast<int>(change)]}, {"id", held.id}};
  if (change == HeldChange::Held) j["call"] = held_call_json(held, now_ns);
  return j;
}

}  // namespace tollgate
