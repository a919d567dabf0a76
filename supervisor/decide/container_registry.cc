#include "supervisor/decide/container_registry.h"

#include <algorithm>

namespace tollgate {

std::shared_ptr<ContainerRecord> ContainerRegistry::find(const std::string& id, const std::string& bundle) {
  if (!bundle.starts_with('/')) {
    std::shared_ptr<ContainerRecord> only;
    for (auto it = containers_.lower_bound({id, std::string()});
         it != containers_.end() && it->first.first == id; ++it) {
      auto record = it->second.lock();
      if (!record) continue;
      if (only) return nullptr;  // ambiguous: two runtimes each run a container with this id
      only = std::move(record);
    }
    return only;
  }
  auto it = containers_.find({id, bundle});
  if (it == containers_.end()) return nullptr;
  auto record = it->second.lock();
  if (!record) containers_.erase(it);
  return record;
}

std::shared_ptr<ContainerRecord> ContainerRegistry::add(ContainerRecord record) {
  forget_released();
  auto shared = std::make_shared<ContainerRecord>(std::move(record));
  containers_[{shared->id, shared->bundle}] = shared;
  return shared;
}

std::vector<std::shared_ptr<const ContainerRecord>> ContainerRegistry::list() {
  forget_released();
  std::vector<std::shared_ptr<const ContainerRecord>> out;
  for (const auto& [key, weak] : containers_)
    if (auto record = weak.lock()) out.push_back(std::move(record));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->since < b->since; });
  return out;
}

void ContainerRegistry::forget_released() {
  std::erase_if(containers_, [](const auto& entry) { return entry.second.expired(); });
}

}  // namespace tollgate
