#include "cli/run_mode.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>

#include "core/file_text.h"
#include "core/json_output.h"
#include "profile/profile_variants.h"
#include "supervisor/decide/decider_for_mode.h"
#include "supervisor/decide/policy_source.h"
#include "supervisor/diagnose/audit_outcome.h"
#include "supervisor/diagnose/profile_suggestion.h"
#include "supervisor/diagnose/syscall_learner.h"

namespace tollgate {
namespace {

template <typename Json>
std::expected<void, std::string> write_json(const std::string& path, const Json& doc) {
  std::ofstream out(path, std::ios::trunc);
  out << json_text(doc, 2) << "\n";
  out.close();
  if (!out) return std::unexpected("cannot write " + path);
  return {};
}

// The original text of a profile, so the suggestion keeps its layout; without it the suggestion is rebuilt.
std::optional<std::string> text_if_readable(const std::string& path) {
  auto text = read_file(path);
  return text ? std::optional(std::move(*text)) : std::nullopt;
}

// At exit: the summary on stderr, then the report and the suggested profile if asked for.
std::expected<void, std::string> finish_audit(const RunOptions& o, const PolicyPtr& policy,
                                              const AuditRecorder& recorder) {
  const AuditOutcome outcome = audit_outcome(*policy, FilterEnvironment::of_this_process(), recorder,
                                             policy->source_path, o.command,
                                             text_if_readable(policy->source_path));
  std::fputs(outcome.summary.c_str(), stderr);
  if (!o.suggest_path && !o.report_path) return {};
  if (!outcome.suggestion) return std::unexpected("--suggest: " + outcome.suggestion.error());
  if (o.suggest_path)
    if (auto w = write_json(*o.suggest_path, outcome.suggestion->document); !w) return w;
  if (o.report_path)
    if (auto w = write_json(*o.report_path, outcome.report); !w) return w;
  return {};
}

// At exit: the learned profile, or the --merge profile with the minimal change that allows what was seen.
std::expected<void, std::string> finish_learn(const RunOptions& o, const SyscallLearner& learner) {
  if (!o.learn_merge) return write_json(*o.learn_output, learner.profile(o.command));
  auto base = load_policy_file(*o.learn_merge, parse_options_for(PolicyFlavor::DockerProfile));
  if (!base) return std::unexpected("--merge: " + base.error().to_string());
  const std::vector<AuditFinding> seen = learner.seen();
  std::vector<const AuditFinding*> findings;
  for (const AuditFinding& f : seen) findings.push_back(&f);
  auto merged =
      suggest_profile(**base, FilterEnvironment::of_this_process(), findings, text_if_readable(*o.learn_merge));
  if (!merged) return std::unexpected("--merge: " + merged.error());
  for (const std::string& change : merged->changes)
    std::fprintf(stderr, "tollgate: learn: %s\n", change.c_str());
  return write_json(*o.learn_output, merged->document);
}

}  // namespace

void add_diagnostic_options(CLI::App& cmd, RunOptions& o) {
  cmd.add_flag("--explain", o.explain,
               "enforce the profile exactly, and print every call it denies, kills or traps with the entry "
               "responsible");
  cmd.add_flag("--audit", o.audit,
               "enforce nothing: report every call the profile would deny, kill or trap, and let it run");
  cmd.add_option("--report", o.report_path, "audit: write a JSON report to FILE at exit");
  cmd.add_option("--suggest", o.suggest_path,
                 "audit: write the profile with the minimal change that would have allowed the run to FILE");
}

std::expected<PreparedRun, std::string> prepare_run(const RunOptions& o, const PolicyPtr& policy) {
  const int modes = int(o.explain) + int(o.audit) + int(o.learn_output.has_value());
  if (modes > 1) return std::unexpected("--explain, --audit and learn exclude each other");
  if ((o.report_path || o.suggest_path) && !o.audit)
    return std::unexpected("--report and --suggest need --audit");
  if (o.supervisor_socket && (o.learn_output || o.report_path || o.suggest_path))
    return std::unexpected("learn, --report and --suggest collect their results here; drop --supervisor");
  if (o.learn_output) {
    // A --merge base that does not load is found now, not after the whole run.
    if (o.learn_merge)
      if (auto base = load_policy_file(*o.learn_merge, parse_options_for(PolicyFlavor::DockerProfile)); !base)
        return std::unexpected("--merge: " + base.error().to_string());
    auto learner = std::make_shared<SyscallLearner>();
    PreparedRun run{notify_everything(), learner};
    run.finish = [&o, learner] { return finish_learn(o, *learner); };
    return run;
  }
  const PolicyMode mode = o.explain ? PolicyMode::Explain : o.audit ? PolicyMode::Audit : PolicyMode::Enforce;
  auto recorder = o.audit ? std::make_shared<AuditRecorder>() : nullptr;
  auto decider = decider_for_mode(policy, mode, recorder);
  if (!decider) return std::unexpected(decider.error());
  if (modes == 0) return PreparedRun{policy->filter, *decider};
  // A daemon given the target learns the mode from its metadata.
  PreparedRun run{notify_instead_of_denying(policy->filter), *decider};
  run.metadata[std::string(kModeMetadataKey)] = to_string(mode);
  if (o.audit && !o.supervisor_socket)
    run.finish = [&o, policy, recorder] { return finish_audit(o, policy, *recorder); };
  return run;
}

}  // namespace tollgate
