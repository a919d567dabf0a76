#include "cli/oci_admission.h"

#include <spdlog/spdlog.h>

#include "cli/policy_source.h"
#include "supervisor/mode_decider.h"
#include "supervisor/policy_selection.h"

namespace tollgate {

OciAdmission::OciAdmission(Supervisor& supervisor, OciAdmissionConfig config)
    : supervisor_(supervisor), config_(std::move(config)) {}

std::expected<PolicyPtr, std::string> OciAdmission::load_policy(const std::string& name) const {
  auto path = resolve_policy_name(config_.policy_dir, name);
  if (!path) return std::unexpected(path.error());
  // Only the rules matter here: the runtime already installed the container's own profile as the filter.
  auto policy = load_policy_file(path->string(), parse_options_for(PolicyFlavor::Tollgate));
  if (!policy) return std::unexpected(policy.error().to_string());
  return *policy;
}

std::expected<void, std::string> OciAdmission::check_default_policy() const {
  auto policy = load_policy(config_.default_policy);
  if (!policy) return std::unexpected("default policy: " + policy.error());
  return {};
}

std::expected<void, std::string> OciAdmission::admit(OciProcessState state, UniqueFd listener) {
  auto metadata = parse_listener_metadata(state.metadata);
  if (!metadata) return std::unexpected(metadata.error());
  const OciContainerState& c = state.state;
  std::shared_ptr<ContainerRecord> record = registry_.find(c.id, c.bundle);
  if (!record) {
    PolicySelection selection = select_policy(*metadata, c.annotations, config_.default_policy);
    auto policy = load_policy(selection.name);
    if (!policy) return std::unexpected(policy.error());
    auto decider = decider_for_mode(*policy, selection.mode);
    if (!decider) return std::unexpected(decider.error());
    record =
        registry_.add(ContainerRecord{c.id, c.bundle, (*policy)->name, selection.mode, std::move(*decider)});
    spdlog::info("container {} (bundle {}): policy {} (from {}), mode {}", c.id, c.bundle,
                 record->policy_name, selection.source, to_string(selection.mode));
  }
  TargetInfo target{state.pid,
                    {},
                    record->policy_name,
                    std::move(metadata->other),
                    std::make_shared<ContainerMembership>(record)};
  // crun 1.8.1 names no pid for `crun exec` processes.
  const std::string who =
      state.pid != 0 ? "process " + std::to_string(state.pid) : "a process (no pid given)";
  spdlog::info("container {}: {} supervised ({} listener{})", c.id, who, record->listeners,
               record->listeners == 1 ? "" : "s");
  return supervisor_.add_listener(std::move(listener), std::move(target), record->decider);
}

}  // namespace tollgate
