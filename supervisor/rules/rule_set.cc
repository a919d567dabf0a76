#include "supervisor/rules/rule_set.h"

#include <fnmatch.h>

#include "core/arg_condition.h"
#include "core/syscall_names.h"

namespace tollgate {
namespace {

bool glob_match(const std::string& pattern, const std::string& text, int flags) {
  return fnmatch(pattern.c_str(), text.c_str(), flags) == 0;
}

}  // namespace

RuleSet::RuleSet(PolicyPtr policy) : policy_(std::move(policy)) {
  for (const Rule& rule : policy_->rules) {
    for (const std::string& name : rule.syscalls) {
      auto nr = resolve_native_syscall(name);
      if (!nr) continue;
      if (static_cast<size_t>(*nr) >= by_syscall_.size()) by_syscall_.resize(*nr + 1);
      auto& list = by_syscall_[*nr];
      if (list.empty() || list.back() != &rule) list.push_back(&rule);
    }
  }
}

RuleSet::Match RuleSet::matches(const Rule& rule, CallContext& call, bool& used_memory) const {
  // Cheapest first: registers, then /proc, then target memory.
  for (const ArgCondition& c : rule.args)
    if (!condition_holds(c, call.arg(c.index))) return Match::No;
  if (!rule.caller.empty()) {
    const auto& info = call.process();
    if (!info) return Match::Unreadable;
    const CallerCondition& want = rule.caller;
    if (want.comm && !glob_match(*want.comm, info->comm, 0)) return Match::No;
    if (want.exe && !glob_match(*want.exe, info->exe, FNM_PATHNAME)) return Match::No;
    if (want.uid && *want.uid != info->uid) return Match::No;
    if (want.gid && *want.gid != info->gid) return Match::No;
  }
  for (const StringCondition& c : rule.strings) {
    used_memory = true;
    const auto& s = call.string_arg(c.index);
    if (!s) return Match::Unreadable;
    const bool ok = c.glob ? glob_match(c.pattern, *s, FNM_PATHNAME) : c.pattern == *s;
    if (!ok) return Match::No;
  }
  return Match::Yes;
}

Decision RuleSet::decide(CallContext& call) const {
  return decide_if_matched(call).value_or(Decision::deny(EPERM, "no rule matched"));
}

std::optional<Decision> RuleSet::decide_if_matched(CallContext& call) const {
  // pid 0: the caller lives in a pid namespace we cannot see into; nothing about it can be checked.
  if (call.pid() == 0) return Decision::deny(EPERM, "caller outside the supervisor's pid namespace");
  const int nr = call.notification().data.nr;
  if (nr < 0 || static_cast<size_t>(nr) >= by_syscall_.size()) return std::nullopt;
  bool used_memory = false;
  for (const Rule* rule : by_syscall_[nr]) {
    switch (matches(*rule, call, used_memory)) {
      case Match::No: continue;
      case Match::Unreadable: return Decision::deny(EPERM, "caller or argument unreadable", rule);
      case Match::Yes: break;
    }
    switch (rule->action) {
      case RuleAction::Allow:
        // The parser refuses allow rules that follow string rules for the same call; this keeps the promise
        // should that ever change: a decision that read user memory is never answered with CONTINUE.
        if (used_memory) return Decision::deny(EPERM, "allow after matching on user memory is unsafe", rule);
        return Decision{Verdict::Continue, 0, 0, rule, {}};
      case RuleAction::Deny: {
        Decision d = Decision::deny(rule->errno_value, {}, rule);
        d.depends_on_memory = used_memory;
        return d;
      }
      case RuleAction::Emulate: return Decision{Verdict::Emulate, 0, 0, rule, {}, used_memory};
      case RuleAction::Ask: return Decision{Verdict::Ask, 0, 0, rule, {}, used_memory};
    }
  }
  return std::nullopt;
}

}  // namespace tollgate
