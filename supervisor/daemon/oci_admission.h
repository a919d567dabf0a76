// Admits the listeners OCI runtimes hand over: picks the container's policy (listenerMetadata, then the
// io.tollgate.policy annotation, then the daemon's default), builds its decider, groups the processes of one
// container (init and every `runc exec`) under one registry entry, and hands the listener to the supervisor.
// A container in audit or learn mode leaves a report in ContainerReports when its last process is gone.
#pragma once

#include <expected>
#include <filesystem>
#include <string>

#include "supervisor/decide/policy_source.h"
#include "core/oci_state.h"
#include "supervisor/decide/container_registry.h"
#include "supervisor/diagnose/container_reports.h"
#include "supervisor/supervisor.h"
#include "tollgate/policy.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

class OciAdmission {
 public:
  // `reports` keeps what containers in audit and learn mode leave behind; it must outlive every listener.
  OciAdmission(Supervisor& supervisor, DaemonPolicies policies, ContainerReports& reports);

  // Checks that the default policy loads (a start-up error otherwise). Error: a message for the user.
  std::expected<void, std::string> check_default_policy() const;
  // Error: why the container's listener was refused (it is closed then: the container's notified calls
  // fail with ENOSYS).
  // `runtime_uid`: the peer that handed the listener over, whose share of the kept reports a new container's
  // report counts against.
  std::expected<void, std::string> admit(OciProcessState state, UniqueFd listener, uid_t runtime_uid);
  ContainerRegistry& registry() { return registry_; }

 private:
  Supervisor& supervisor_;
  DaemonPolicies policies_;
  ContainerReports& reports_;
  ContainerRegistry registry_;
};

}  // namespace tollgate
