#include "supervisor/diagnose/container_report.h"

#include <ctime>

#include "core/json_output.h"
#include "supervisor/diagnose/audit_outcome.h"

namespace tollgate {
namespace {

std::string utc_text(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string command_text(const std::vector<std::string>& command) {
  std::string s;
  for (const auto& a : command) s += (s.empty() ? "" : " ") + a;
  return s.empty() ? "(command unknown)" : s;
}

}  // namespace

ContainerReport audit_container_report(const std::string& container_id, const std::vector<std::string>& command,
                                       const Policy& profile, const FilterEnvironment& env,
                                       const AuditRecorder& recorder,
                                       const std::optional<std::string>& profile_text) {
  ContainerReport r{container_id, PolicyMode::Audit, command};
  AuditOutcome outcome = audit_outcome(profile, env, recorder, "the container's profile (from its engine)",
                                       command, profile_text);
  r.text = "container " + container_id + " (" + command_text(command) + "), audit:\n" + outcome.summary;
  r.report = std::move(outcome.report);
  if (outcome.suggestion) {
    for (const std::string& change : outcome.suggestion->changes) r.text += "suggested: " + change + "\n";
    r.profile = std::move(outcome.suggestion->document);
  } else {
    r.profile_error = outcome.suggestion.error();
    r.text += "no suggested profile: " + r.profile_error + "\n";
  }
  return r;
}

ContainerReport learn_container_report(const std::string& container_id, const std::vector<std::string>& command,
                                       const SyscallLearner& learner, const std::set<std::string>& unobserved) {
  ContainerReport r{container_id, PolicyMode::Learn, command};
  nlohmann::json seen = nlohmann::json::array();
  std::string names;
  for (const AuditFinding& f : learner.seen()) {
    seen.push_back({{"syscall", f.syscall}, {"count", f.count}});
    names += " " + f.syscall;
  }
  r.report = {{"syscalls", seen}, {"unobserved", unobserved}};
  r.text = "container " + container_id + " (" + command_text(command) + "), learn: " +
           std::to_string(seen.size()) + " syscalls seen:" + names + "\n" + "also allowed, never notified by " +
           "the runtimes: " + std::to_string(unobserved.size()) + " syscalls\n";
  r.profile = nlohmann::ordered_json::parse(json_text(learner.profile(command, unobserved)));
  return r;
}

nlohmann::json container_report_json(const ContainerReport& r) {
  return {{"container", r.container_id},
          {"mode", std::string(to_string(r.mode))},
          {"command", r.command},
          {"finished", utc_text(r.finished)},
          {"text", r.text},
          {"report", r.report},
          {"profile", r.profile ? nlohmann::json::parse(json_text(*r.profile)) : nlohmann::json(nullptr)},
          {"profile_error", r.profile_error}};
}

}  // namespace tollgate
