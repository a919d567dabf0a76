#include "supervisor/decide/container_diagnosis.h"

#include "profile/profile_variants.h"
#include "supervisor/decide/container_profile.h"
#include "supervisor/decide/decider_for_mode.h"

namespace tollgate {

std::expected<ContainerDiagnosis, std::string> diagnose_container(
    const PolicyPtr& policy, PolicyMode mode, const std::map<std::string, std::string>& annotations) {
  const std::vector<std::string> command = container_args(annotations);
  if (mode == PolicyMode::Learn) {
    auto learner = std::make_shared<SyscallLearner>();
    return ContainerDiagnosis{learner, [learner, command](const std::string& id) {
                                return learn_container_report(id, command, *learner,
                                                              never_notified_by_runtimes());
                              }};
  }
  FilterEnvironment env = container_filter_environment(annotations);
  auto recorder = std::make_shared<AuditRecorder>();
  auto decider = decider_for_mode(policy, PolicyMode::Audit, recorder, env);
  if (!decider) return std::unexpected(decider.error());
  std::optional<std::string> profile_text;
  if (auto it = annotations.find(std::string(kProfileAnnotation)); it != annotations.end())
    profile_text = it->second;
  return ContainerDiagnosis{*decider, [=](const std::string& id) {
                              return audit_container_report(id, command, *policy, env, *recorder, profile_text);
                            }};
}

}  // namespace tollgate
