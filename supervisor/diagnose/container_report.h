// What a container audited or learned through the runtime shim leaves behind once its last supervised
// process is gone: the text `tollgate ctl report` prints, a JSON report, and a Docker-format profile (audit:
// the engine's profile with the minimal change that would have allowed the run; learn: the allow-list of
// what the container called).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "profile/filter_environment.h"
#include "supervisor/diagnose/audit_recorder.h"
#include "supervisor/diagnose/syscall_learner.h"
#include "tollgate/policy.h"
#include "tollgate/policy_mode.h"

namespace tollgate {

struct ContainerReport {
  std::string container_id;
  PolicyMode mode = PolicyMode::Audit;  // Audit or Learn
  std::vector<std::string> command;     // the init's, as the shim annotated it
  std::chrono::system_clock::time_point finished = std::chrono::system_clock::now();
  std::string text;                               // for people
  nlohmann::json report;                          // audit: audit_report's object; learn: the syscalls seen
  std::optional<nlohmann::ordered_json> profile;  // suggested or learned
  std::string profile_error;                      // why there is no profile
};

// `profile`: the engine's profile as the shim forwarded it (its text `profile_text`), judged with the
// container's capabilities `env`.
ContainerReport audit_container_report(const std::string& container_id, const std::vector<std::string>& command,
                                       const Policy& profile, const FilterEnvironment& env,
                                       const AuditRecorder& recorder,
                                       const std::optional<std::string>& profile_text);

// `unobserved`: what the runtimes never notify, allowed in the learned profile without having been seen.
ContainerReport learn_container_report(const std::string& container_id, const std::vector<std::string>& command,
                                       const SyscallLearner& learner, const std::set<std::string>& unobserved);

// The object `ctl report --json` shows: container, mode, command, finished (UTC, ISO 8601), text, report,
// profile (null when there is none) and profile_error.
nlohmann::json container_report_json(const ContainerReport& report);

}  // namespace tollgate
