#include "supervisor/decide/shared_deciders.h"

namespace tollgate {

std::shared_ptr<const Decider> SharedDeciders::find(const std::string& key) const {
  auto it = by_key_.find(key);
  return it != by_key_.end() ? it->second.lock() : nullptr;
}

void SharedDeciders::keep(const std::string& key, const std::shared_ptr<const Decider>& decider) {
  // Keys of deciders no target uses any more go now and then, so the table stays as small as the set of
  // policies in use.
  if (++kept_since_sweep_ >= 64 && by_key_.size() >= 64) forget_unused();
  by_key_[key] = decider;
}

void SharedDeciders::forget_unused() {
  kept_since_sweep_ = 0;
  for (auto it = by_key_.begin(); it != by_key_.end();) {
    if (it->second.expired())
      it = by_key_.erase(it);
    else
      ++it;
  }
}

}  // namespace tollgate
