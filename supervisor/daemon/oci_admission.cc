#include "supervisor/daemon/oci_admission.h"

#include <spdlog/spdlog.h>

#include "supervisor/decide/container_diagnosis.h"
#include "supervisor/decide/container_profile.h"
#include "supervisor/decide/decider_for_mode.h"
#include "supervisor/decide/policy_selection.h"
#include "supervisor/decide/policy_source.h"

namespace tollgate {

OciAdmission::OciAdmission(Supervisor& supervisor, DaemonPolicies policies, ContainerReports& reports)
    : supervisor_(supervisor), policies_(std::move(policies)), reports_(reports) {}

std::expected<void, std::string> OciAdmission::check_default_policy() const {
  auto policy = policies_.load(policies_.default_name);
  if (!policy) return std::unexpected("default policy: " + policy.error());
  return {};
}

std::expected<void, std::string> OciAdmission::admit(OciProcessState state, UniqueFd listener,
                                                     uid_t runtime_uid) {
  auto metadata = parse_listener_metadata(state.metadata);
  if (!metadata) return std::unexpected(metadata.error());
  const OciContainerState& c = state.state;
  std::shared_ptr<ContainerRecord> record = registry_.find(c.id, c.bundle);
  if (!record) {
    PolicySelection selection = select_policy(*metadata, c.annotations, policies_.default_name);
    auto policy = policies_.load(selection.name);
    if (!policy) return std::unexpected(policy.error());
    // Explain and audit through the runtime shim: the engine's profile travels in the annotations.
    if (selection.mode == PolicyMode::Explain || selection.mode == PolicyMode::Audit) {
      policy = with_container_profile(*policy, c.annotations);
      if (!policy) return std::unexpected(policy.error());
    }
    ContainerRecord fresh{c.id, c.bundle, (*policy)->name, selection.mode, nullptr};
    if (selection.mode == PolicyMode::Audit || selection.mode == PolicyMode::Learn) {
      auto diagnosis = diagnose_container(*policy, selection.mode, c.annotations);
      if (!diagnosis) return std::unexpected(diagnosis.error());
      fresh.decider = diagnosis->decider;
      // Released on the serving loop that closed the last listener; the report is made and kept on the
      // main loop, which owns the reports and the report directory.
      fresh.on_released = [report = diagnosis->report, &reports = reports_, &supervisor = supervisor_,
                           runtime_uid](const ContainerRecord& released) {
        supervisor.post([report, &reports, id = released.id, runtime_uid] { reports.add(report(id), runtime_uid); });
      };
    } else {
      auto decider =
          decider_for_mode(*policy, selection.mode, nullptr, container_filter_environment(c.annotations));
      if (!decider) return std::unexpected(decider.error());
      fresh.decider = std::move(*decider);
    }
    fresh.policy_path = (*policy)->source_path;
    record = registry_.add(std::move(fresh));
    spdlog::info("container {} (bundle {}): policy {} (from {}), mode {}", c.id, c.bundle,
                 record->policy_name, selection.source, to_string(selection.mode));
  }
  // The annotated command is the init's; a later process (runc/crun exec) is named by the container only.
  std::vector<std::string> argv;
  if (c.status == "creating") argv = container_args(c.annotations);
  // "tollgate.*" keys are the daemon's to set, never a runtime's (or the container user's who wrote them).
  std::map<std::string, std::string> other;
  for (auto& [key, value] : metadata->other)
    if (!key.starts_with("tollgate.")) other[key] = std::move(value);
  // `ctl reload` swaps in a RuleSet: only enforce's decider is one. Explain, audit and learn keep theirs.
  std::optional<std::string> reloadable;
  if (record->mode == PolicyMode::Enforce) reloadable = record->policy_path;
  // No command annotated (a bare listenerPath, or an exec): the process is held so that `ctl targets` can show
  // its command from /proc, read by the daemon itself when asked (at hand-over it has not exec'd yet).
  auto process = argv.empty() ? pin_process(state.pid) : nullptr;
  TargetInfo target{state.pid,           std::move(argv),
                    record->policy_name, std::move(other),
                    std::move(reloadable), std::make_shared<ContainerMembership>(record),
                    std::move(process)};
  // crun 1.8.1 names no pid for `crun exec` processes.
  const std::string who =
      state.pid != 0 ? "process " + std::to_string(state.pid) : "a process (no pid given)";
  spdlog::info("container {}: {} supervised ({} listener{})", c.id, who, record->listeners.get(),
               record->listeners.get() == 1 ? "" : "s");
  return supervisor_.add_listener(std::move(listener), std::move(target), record->decider);
}

}  // namespace tollgate
