#include "profile/runtime_lint.h"

#include "core/syscall_names.h"
#include "profile/profile_judge.h"
#include "profile/profile_variants.h"

namespace tollgate {

std::expected<std::vector<LintFinding>, std::string> lint_runtime_calls(const PolicyPtr& profile,
                                                                        const FilterEnvironment& env,
                                                                        const RuntimeCalls& runtime) {
  auto judge = ProfileJudge::create(profile, env);
  if (!judge) return std::unexpected(judge.error());
  std::vector<LintFinding> findings;
  const std::string who = std::string(runtime.runtime) + " " + std::string(runtime.version);
  for (const RuntimeCall& call : runtime.calls) {
    auto nr = resolve_native_syscall(call.name);
    if (!nr) continue;
    seccomp_data data{};
    data.nr = *nr;
    data.arch = native_audit_arch();
    ProfileJudgement j = judge->judge(data, call.name);
    if (!is_denying(j.kind)) continue;
    const char* when = call.with_no_new_privileges
                           ? (call.without_no_new_privileges ? "" : " (with noNewPrivileges)")
                           : " (without noNewPrivileges, as Docker and Podman run containers)";
    const bool has_args = j.entry != nullptr && !j.entry->args.empty();
    findings.push_back(
        {LintSeverity::Error, "runtime-calls", j.entry != nullptr ? j.entry->json_pointer : "/defaultAction",
         who + " calls " + std::string(call.name) + " after installing this profile" + when + " (" +
             std::string(call.why) + "), and the profile denies it: " + j.rule +
             (has_args ? " (judged with arguments 0)" : "") +
             ". The container would fail before its command runs. tollgate's command-only mode installs the "
             "profile right before the command instead: run the container with the tollgate runtime shim and "
             "TOLLGATE_MODE=command-only (docs/containers.md)"});
  }
  return findings;
}

}  // namespace tollgate
