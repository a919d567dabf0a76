// `tollgate lint`: checks a Docker/OCI profile against this machine (this libseccomp, architecture, kernel
// and capability bounding set): names that would be silently skipped, duplicate and ineffective entries,
// conditions that can never hold, and deny rules that are easy to get around under an ALLOW default.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "profile/filter_environment.h"
#include "tollgate/policy.h"

namespace tollgate {

enum class LintSeverity { Note, Warning, Error };

struct LintFinding {
  LintSeverity severity = LintSeverity::Warning;
  std::string check;    // "unknown-to-libseccomp", "duplicate", "ineffective", ...
  std::string pointer;  // JSON pointer into the profile
  std::string message;
};

// kernel_syscalls: what the running kernel implements (kernel_syscall_names()); without it that check is
// skipped.
std::vector<LintFinding> lint_profile(const Policy& profile, const FilterEnvironment& env,
                                      const std::set<std::string>* kernel_syscalls = nullptr);

// 0 clean (notes only), 1 warnings, 2 errors.
int lint_exit_status(const std::vector<LintFinding>& findings);
std::string_view to_string(LintSeverity severity);
nlohmann::json lint_report(const std::string& file, const std::vector<LintFinding>& findings);

}  // namespace tollgate
