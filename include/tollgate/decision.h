// What the supervisor answers to one notified call.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "tollgate/policy.h"

namespace tollgate {

enum class Verdict {
  Continue,  // SECCOMP_USER_NOTIF_FLAG_CONTINUE: the kernel runs the call itself
  Errno,     // the call fails with `error`
  Value,     // the call returns `value` without running
  Emulate,   // a handler does the call on the caller's behalf
  Ask,       // a person decides
  // Explain mode, for a profile's KILL and TRAP actions: the event is recorded first, then the caller gets
  // SIGSYS (Kill: SIGKILL instead if SIGSYS is caught, blocked or ignored), then the answer ENOSYS.
  Kill,
  Trap,
};

// Every verdict, for tables indexed by verdict (statistics). Keep in step with the enum.
inline constexpr Verdict kAllVerdicts[] = {Verdict::Continue, Verdict::Errno, Verdict::Value, Verdict::Emulate,
                                           Verdict::Ask,      Verdict::Kill,  Verdict::Trap};
inline constexpr size_t kVerdictCount = std::size(kAllVerdicts);
static_assert(static_cast<size_t>(Verdict::Trap) + 1 == kVerdictCount, "kAllVerdicts must list every verdict");

struct Decision {
  Verdict verdict = Verdict::Errno;
  int error = EPERM;
  int64_t value = 0;
  const Rule* rule = nullptr;  // the rule that decided; nullptr when none matched or the call could not be judged
  std::string_view reason;     // static text for events when no rule decided
  // The decision read the caller's memory: it must never become CONTINUE, whatever else happens to it.
  bool depends_on_memory = false;
  // Explain, audit: what the profile does with this call and which entry is responsible, rendered after the
  // call in the event line ("= -1 EPERM  <- defaultAction ..."). Empty for ordinary rule decisions.
  std::string explanation;

  static Decision deny(int error, std::string_view reason, const Rule* rule = nullptr) {
    return {Verdict::Errno, error, 0, rule, reason};
  }
};

std::string_view to_string(Verdict verdict);

// What an "ask" decision becomes when nobody answers (no one to ask, or the timeout passed): the rule's
// default, and never CONTINUE for a decision that read the caller's memory. The reasons are static text.
inline Decision ask_default(const Decision& ask, std::string_view allow_reason, std::string_view deny_reason) {
  if (ask.rule != nullptr && ask.rule->ask_default_allow && !ask.depends_on_memory)
    return {Verdict::Continue, 0, 0, ask.rule, allow_reason};
  return Decision::deny(ask.rule != nullptr ? ask.rule->errno_value : EPERM, deny_reason, ask.rule);
}

}  // namespace tollgate
