// `tollgate lint PROFILE`: what this machine will make of a Docker/OCI profile. Exit 0 clean, 1 warnings, 2
// errors.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/commands.h"
#include "core/json_output.h"
#include "profile/kernel_syscalls.h"
#include "profile/profile_lint.h"
#include "profile/runtime_lint.h"
#include "supervisor/decide/policy_source.h"

namespace tollgate {
namespace {

struct LintOptions {
  std::string profile;
  bool json = false;
  bool verbose = false;
  std::optional<std::string> runtime;  // runc or crun: also check the calls it makes under the profile
};

int lint_command(const LintOptions& o) {
  std::vector<LintFinding> findings;
  auto profile = load_policy_file(o.profile, parse_options_for(PolicyFlavor::DockerProfile));
  if (!profile)
    findings.push_back(
        {LintSeverity::Error, "does-not-parse", profile.error().json_pointer, profile.error().message});
  else {
    const auto kernel = kernel_syscall_names();
    findings = lint_profile(**profile, FilterEnvironment::of_this_process(), kernel ? &*kernel : nullptr);
    if (o.runtime) {
      auto runtime = lint_runtime_calls(*profile, FilterEnvironment::of_this_process(), *runtime_calls(*o.runtime));
      if (!runtime)
        findings.push_back({LintSeverity::Error, "does-not-compile", "", runtime.error()});
      else
        findings.insert(findings.end(), runtime->begin(), runtime->end());
    }
  }

  if (o.json) {
    std::printf("%s\n", json_text(lint_report(o.profile, findings), 2).c_str());
    return lint_exit_status(findings);
  }
  size_t notes = 0, warnings = 0, errors = 0;
  for (const LintFinding& f : findings) {
    if (f.severity == LintSeverity::Note) {
      ++notes;
      if (!o.verbose) continue;
    }
    warnings += f.severity == LintSeverity::Warning;
    errors += f.severity == LintSeverity::Error;
    std::printf("%s:%s%s: %s [%s]: %s\n", o.profile.c_str(), f.pointer.empty() ? "" : " ", f.pointer.c_str(),
                std::string(to_string(f.severity)).c_str(), f.check.c_str(), f.message.c_str());
  }
  std::printf("%s: %zu error(s), %zu warning(s), %zu note(s)%s\n", o.profile.c_str(), errors, warnings, notes,
              notes > 0 && !o.verbose ? " (--verbose shows the notes)" : "");
  return lint_exit_status(findings);
}

}  // namespace

Subcommand add_lint_command(CLI::App& parent) {
  auto options = std::make_shared<LintOptions>();
  CLI::App* cmd = parent.add_subcommand("lint", "Check a Docker/OCI seccomp profile against this machine");
  cmd->add_option("profile", options->profile, "the profile (JSON)")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--json", options->json, "print the findings as JSON");
  cmd->add_option("--runtime", options->runtime,
                  "also say which calls this OCI runtime makes itself under the profile that it denies")
      ->check(CLI::IsMember({"runc", "crun"}));
  cmd->add_flag("-v,--verbose", options->verbose, "also list the notes (e.g. names of other architectures)");
  cmd->footer(
      "\nChecks: names unknown to this libseccomp (silently skipped: the statx story), names that are not\n"
      "syscalls on this architecture or not in this kernel, duplicate entries, entries whose action never\n"
      "takes effect, includes/excludes and argument conditions that can never hold, and deny rules that an\n"
      "ALLOW default lets programs get around (denying open but not openat).\n\n"
      "Exit status: 0 clean (notes only), 1 warnings, 2 errors (the profile does not parse or compile).");
  return {cmd, [options] { return lint_command(*options); }};
}

}  // namespace tollgate
