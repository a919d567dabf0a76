// The containers whose processes the daemon supervises. Every listener a runtime hands over for a container
// (its init, then one per `runc exec`) joins the same entry: same policy, same decider. An entry lives as
// long as one of its listeners does, so it is released when the container's last supervised process exits.
#pragma once

#include <nlohmann/json.hpp>

#include "supervisor/target_info.h"

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/decider.h"
#include "supervisor/policy_selection.h"

namespace tollgate {

struct ContainerRecord {
  std::string id;
  std::string bundle;
  std::string policy_name;
  PolicyMode mode = PolicyMode::Enforce;
  std::shared_ptr<const Decider> decider;
  std::chrono::system_clock::time_point since = std::chrono::system_clock::now();
  size_t listeners = 0;  // changed only by ContainerMembership
};

// One listener's share of a container (TargetInfo holds it). The last one to go releases the container.
class ContainerMembership {
 public:
  explicit ContainerMembership(std::shared_ptr<ContainerRecord> record);
  ~ContainerMembership();
  ContainerMembership(const ContainerMembership&) = delete;
  ContainerMembership& operator=(const ContainerMembership&) = delete;

  const ContainerRecord& container() const { return *record_; }

 private:
  std::shared_ptr<ContainerRecord> record_;
};

class ContainerRegistry {
 public:
  // The live record of this container, or nullptr. An absolute bundle must match; any other (crun 1.8.1 sends
  // "." for `crun exec`) matches the one live container with that id.
  std::shared_ptr<ContainerRecord> find(const std::string& id, const std::string& bundle);
  // Registers a new container; the registry forgets it once its last membership is gone.
  std::shared_ptr<ContainerRecord> add(ContainerRecord record);
  // Live containers, oldest first.
  std::vector<std::shared_ptr<const ContainerRecord>> list();

 private:
  void forget_released();
  // Keyed by (id, bundle): two runtimes may each have a container with the same id.
  std::map<std::pair<std::string, std::string>, std::weak_ptr<ContainerRecord>> containers_;
};

// {"id": ..., "bundle": ...} of the container a target belongs to; null for targets that are not in one.
nlohmann::json container_json(const TargetInfo& target);

}  // namespace tollgate
