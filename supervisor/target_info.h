#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tollgate {

class ContainerMembership;  // supervisor/container_registry.h

// Who a listener belongs to, as its agent described it.
struct TargetInfo {
  pid_t pid = 0;
  std::vector<std::string> argv;
  std::string policy_name;
  std::map<std::string, std::string> metadata;
  // Set for processes an OCI runtime handed over: their container's id, bundle and policy. Null otherwise.
  std::shared_ptr<const ContainerMembership> container;
};

}  // namespace tollgate
