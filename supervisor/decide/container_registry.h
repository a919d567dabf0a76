// The containers whose processes the daemon supervises. Every listener a runtime hands over for a container
// (its init, then one per `runc exec`) joins the same entry (supervisor/target_info.h). An entry lives as
// long as one of its listeners does, so it is released when the container's last supervised process exits.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/target_info.h"

namespace tollgate {

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

}  // namespace tollgate
