#include "profile/profile_judge.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "profile/filter_compiler.h"
#include "profile/profile_variants.h"
#include "core/arg_condition.h"
#include "core/errno_names.h"
#include "core/policy_parser.h"
#include "profile/seccomp_bpf_evaluator.h"
#include "core/syscall_names.h"

namespace tollgate {
namespace {

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return v == 0 ? "0" : buf;
}

bool names(const SyscallEntry& entry, std::string_view name) {
  return std::find(entry.names.begin(), entry.names.end(), name) != entry.names.end();
}

FilterAction kind_of(uint32_t action) {
  switch (action & SECCOMP_RET_ACTION_FULL) {
    case SECCOMP_RET_KILL_PROCESS:
      return FilterAction::KillProcess;
    case SECCOMP_RET_KILL_THREAD:
      return FilterAction::KillThread;
    case SECCOMP_RET_TRAP:
      return FilterAction::Trap;
    case SECCOMP_RET_ERRNO:
      return FilterAction::Errno;
    case SECCOMP_RET_USER_NOTIF:
      return FilterAction::Notify;
    case SECCOMP_RET_TRACE:
      return FilterAction::Trace;
    case SECCOMP_RET_LOG:
      return FilterAction::Log;
    case SECCOMP_RET_ALLOW:
      return FilterAction::Allow;
  }
  return FilterAction::KillProcess;
}

// "(bdflush, io_pgetevents, kexec_file_load, ... 28 names)"
std::string short_names(const SyscallEntry& entry) {
  std::string s = "(";
  const size_t shown = std::min<size_t>(entry.names.size(), 3);
  for (size_t i = 0; i < shown; ++i) s += (i ? ", " : "") + entry.names[i];
  if (entry.names.size() > shown) s += ", ... " + std::to_string(entry.names.size()) + " names";
  return s + ")";
}

std::string describe_entry(const SyscallEntry& entry) {
  std::string s =
      entry.json_pointer + " " + short_names(entry) + " " + describe_action(entry.action, entry.errno_ret);
  if (!entry.comment.empty()) s += " \"" + entry.comment + "\"";
  return s;
}

std::string describe_conditions(const SyscallEntry& entry) {
  const bool any = conditions_are_alternatives(entry.args);
  std::string s;
  for (size_t i = 0; i < entry.args.size(); ++i) {
    if (i > 0) s += any ? " or " : " and ";
    s += describe_condition(entry.args[i]);
  }
  return s;
}

// Why an entry does not apply in this environment: "needs CAP_SYS_ADMIN", "only on arm64".
std::string why_not_applicable(const SyscallEntry& entry, const FilterEnvironment& env) {
  for (const auto& cap : entry.includes.caps)
    if (!env.bounding_caps.contains(cap)) return "needs " + cap;
  for (const auto& cap : entry.excludes.caps)
    if (env.bounding_caps.contains(cap)) return "does not apply with " + cap;
  if (!entry.includes.arches.empty() || !entry.excludes.arches.empty())
    return "does not apply on " + env.go_arch;
  return "does not apply to kernel " + std::to_string(env.kernel.major) + "." +
         std::to_string(env.kernel.minor);
}

}  // namespace

bool entry_args_match(const SyscallEntry& entry, const uint64_t (&args)[6]) {
  if (entry.args.empty()) return true;
  const bool any = conditions_are_alternatives(entry.args);
  auto holds = [&](const ArgCondition& c) { return condition_holds(c, args[c.index]); };
  return any ? std::any_of(entry.args.begin(), entry.args.end(), holds)
             : std::all_of(entry.args.begin(), entry.args.end(), holds);
}

std::string describe_action(FilterAction action, std::optional<int> errno_ret) {
  std::string s(to_string(action));
  if (action == FilterAction::Errno || action == FilterAction::Trace)
    s += "(" + errno_name(errno_ret.value_or(EPERM)) + ")";
  return s;
}

std::string describe_condition(const ArgCondition& c) {
  const std::string arg = "arg" + std::to_string(c.index);
  switch (c.op) {
    case ArgOp::NotEqual:
      return arg + " != " + hex(c.value);
    case ArgOp::LessThan:
      return arg + " < " + hex(c.value);
    case ArgOp::LessEqual:
      return arg + " <= " + hex(c.value);
    case ArgOp::Equal:
      return arg + " == " + hex(c.value);
    case ArgOp::GreaterEqual:
      return arg + " >= " + hex(c.value);
    case ArgOp::GreaterThan:
      return arg + " > " + hex(c.value);
    case ArgOp::MaskedEqual:
      return arg + " & " + hex(c.value) + " == " + hex(c.value_two);
  }
  return arg;
}

std::expected<ProfileJudge, std::string> ProfileJudge::create(PolicyPtr profile, FilterEnvironment env) {
  auto compiled = compile_filter(profile->filter, env);
  if (!compiled) return std::unexpected(compiled.error());
  return ProfileJudge(std::move(profile), std::move(env), std::move(compiled->program));
}

ProfileJudgement ProfileJudge::judge(const seccomp_data& data, std::string_view syscall_name) const {
  ProfileJudgement j;
  auto result = evaluate_seccomp_bpf(program_, data);
  // The kernel accepted this very program, so evaluation cannot fail; if it did, judge it closed.
  j.action = result.value_or(SECCOMP_RET_KILL_PROCESS);
  j.kind = kind_of(j.action);
  j.error = static_cast<int>(j.action & SECCOMP_RET_DATA);
  const std::string name =
      syscall_name.empty() ? "syscall " + std::to_string(data.nr) : std::string(syscall_name);
  uint64_t args[6];
  std::copy(std::begin(data.args), std::end(data.args), args);

  const FilterLayer& filter = profile_->filter;
  for (size_t i = 0; i < filter.syscalls.size(); ++i) {
    const SyscallEntry& entry = filter.syscalls[i];
    if (!names(entry, syscall_name) || !entry_applies(entry, env_) || !entry_args_match(entry, args))
      continue;
    if (filter_return_value(entry.action, entry.errno_ret) != j.action) continue;
    j.entry = &entry;
    j.entry_index = static_cast<int>(i);
    j.rule = "rule " + describe_entry(entry);
    j.why = name + (is_denying(entry.action) ? " is denied by this rule" : " is allowed by this rule");
    if (!entry.args.empty()) j.why += " (" + describe_conditions(entry) + ")";
    return j;
  }
  if (j.action == filter_return_value(filter.default_action, filter.default_errno_ret)) {
    j.by_default = true;
    j.rule = "defaultAction " + describe_action(filter.default_action, filter.default_errno_ret);
    explain_default(j, data, name);
    return j;
  }
  // libseccomp merged entries in a way no single entry explains (e.g. an unconditional rule overriding an
  // argument-conditioned one for the same syscall): name what the filter does.
  j.rule = "the compiled filter";
  j.why = name + " gets " + describe_action(j.kind, j.error) + " from the combination of entries naming it";
  return j;
}

void ProfileJudge::explain_default(ProfileJudgement& j, const seccomp_data& data,
                                   std::string_view name) const {
  std::vector<std::string> notes;
  for (const SyscallEntry& entry : profile_->filter.syscalls) {
    if (!names(entry, name)) continue;
    if (!entry_applies(entry, env_)) {
      notes.push_back(entry.json_pointer + " " + std::string(to_string(entry.action)) + " " +
                      why_not_applicable(entry, env_));
    } else if (!entry.args.empty()) {
      notes.push_back(entry.json_pointer + " " + std::string(to_string(entry.action)) + " only when " +
                      describe_conditions(entry));
    }
  }
  for (const SkippedName& skipped : profile_->filter.skipped_names) {
    if (skipped.name != name) continue;
    notes.push_back("the profile lists " + skipped.name + " at " + skipped.json_pointer + ", but it is " +
                    describe(skipped.unknown_to_libseccomp ? SyscallNameProblem::UnknownToLibseccomp
                                                           : SyscallNameProblem::NotOnThisArch) +
                    ", so that entry was silently dropped");
  }
  if (notes.empty()) {
    j.why = std::string(name) + " is not allowed by any rule";
    return;
  }
  j.why = std::string(name) + " matched no rule: ";
  for (size_t i = 0; i < notes.size(); ++i) j.why += (i ? "; " : "") + notes[i];
  bool conditioned = false;
  for (const SyscallEntry& entry : profile_->filter.syscalls)
    conditioned = conditioned || (names(entry, name) && !entry.args.empty());
  if (conditioned) {
    j.why += " (here";
    for (unsigned i = 0; i < 6; ++i) {
      bool used = false;
      for (const SyscallEntry& entry : profile_->filter.syscalls)
        for (const auto& c : entry.args) used = used || (names(entry, name) && c.index == i);
      if (used) j.why += " arg" + std::to_string(i) + " = " + hex(data.args[i]);
    }
    j.why += ")";
  }
}

}  // namespace tollgate
