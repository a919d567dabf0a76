// The calls an "ask" rule holds until a person answers (ctl allow/deny, the interactive prompt), the
// rule's timeout passes (its default applies), or the caller leaves (killed: it drops out at once).
// Each held call is independent: holding one never delays another target, or another call of the same
// target's other threads. Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/pending_call.h"

namespace tollgate {

class LearnedRules;
class Supervisor;

struct HeldCall {
  uint64_t id = 0;  // small and sequential, for people to type
  PendingCallPtr call;
  uint64_t held_ns = 0;
  uint64_t deadline_ns = 0;
  std::string rendered;  // mount("/dev/loop0", "/mnt", "ext4", MS_NOSUID, NULL)
};

struct Answer {
  bool allow = false;
  int error = EPERM;    // when denying
  bool always = false;  // also learn a rule (needs a learned-rules file)
  std::string_view by;  // static text for events: "answered by ctl"
};

enum class HeldChange { Held, Answered, TimedOut, Departed, Learned };

class HeldCalls final : public AsyncDecider {
 public:
  using Observer = std::function<void(HeldChange, const HeldCall&)>;

  // `learned` may be null: --always answers are then refused.
  HeldCalls(uv_loop_t* loop, Supervisor& supervisor, LearnedRules* learned);
  ~HeldCalls() override;
  HeldCalls(const HeldCalls&) = delete;
  HeldCalls& operator=(const HeldCalls&) = delete;

  void begin(PendingCallPtr call) override;
  // Error: a message for the person (unknown or stale id, nothing to learn into).
  std::expected<void, std::string> answer(uint64_t id, const Answer& answer);

  const std::map<uint64_t, HeldCall>& calls() const { return calls_; }
  // Told about every change, after it happened (the call is already answered for all but Held).
  void add_observer(Observer observer) { observers_.push_back(std::move(observer)); }
  // Answers everything still held with its rule's default and stops the timer (before the loop ends).
  void close();

 private:
  static void on_sweep(uv_timer_t* timer);
  void sweep();
  void finish(std::map<uint64_t, HeldCall>::iterator it, HeldChange change, const Decision& decision);
  void apply_learned();
  void notify(HeldChange change, const HeldCall& held);

  Supervisor& supervisor_;
  LearnedRules* learned_;
  uv_timer_t timer_{};
  bool timer_running_ = false;
  bool closed_ = false;
  uint64_t next_id_ = 1;
  std::map<uint64_t, HeldCall> calls_;
  std::vector<Observer> observers_;
};

// How `ctl pending` and `ctl watch` show a held call.
nlohmann::json held_call_json(const HeldCall& held, uint64_t now_ns);
// One line of the watch stream: {"event":"held","id":3,"call":{...}} or {"event":"answered","id":3}.
nlohmann::json held_change_json(HeldChange change, const HeldCall& held, uint64_t now_ns);

}  // namespace tollgate
