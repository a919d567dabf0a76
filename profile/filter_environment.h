// The facts a Docker profile's includes/excludes are evaluated against: the target's capability bounding
// set, the architecture and the running kernel (as the Docker/Podman daemons do before handing a profile to runc).
#pragma once

#include <set>
#include <string>

#include "tollgate/policy.h"

namespace tollgate {

struct FilterEnvironment {
  std::set<std::string> bounding_caps;  // "CAP_SYS_ADMIN", ...
  std::string go_arch;                  // "amd64"
  KernelVersion kernel;

  // What a child of this process will have.
  static FilterEnvironment of_this_process();
};

bool entry_applies(const SyscallEntry& entry, const FilterEnvironment& env);

// "CAP_SYS_ADMIN" for 21; the number for capabilities newer than this table.
std::string capability_name(unsigned cap);

}  // namespace tollgate
