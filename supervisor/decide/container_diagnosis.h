// Audit and learn for a container handed over by an OCI runtime: the Decider its calls go to, and how the
// report it leaves behind is made once its last supervised process is gone (diagnose/container_report.h).
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "supervisor/decider.h"
#include "supervisor/diagnose/container_report.h"
#include "tollgate/policy.h"
#include "tollgate/policy_mode.h"

namespace tollgate {

struct ContainerDiagnosis {
  std::shared_ptr<const Decider> decider;
  // Called after the container's calls have stopped: what was recorded, as a report for `id`.
  std::function<ContainerReport(const std::string& id)> report;
};

// `policy`: for audit, the daemon's policy with the container's annotated profile as its filter
// (with_container_profile). Audit judges against it with the container's capabilities; learn records every
// call. Error: a profile that does not compile here.
std::expected<ContainerDiagnosis, std::string> diagnose_container(
    const PolicyPtr& policy, PolicyMode mode, const std::map<std::string, std::string>& annotations);

}  // namespace tollgate
