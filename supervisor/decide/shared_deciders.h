// One decider for every target handed over with the same policy: a daemon with thousands of targets under
// one profile would otherwise hold thousands of parsed copies of it (about 17 KB each for the default
// policy). Only deciders without per-target state may be shared: enforce's RuleSet, which is immutable and
// used by several serving loops at once. Main loop only.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "supervisor/decider.h"

namespace tollgate {

class SharedDeciders {
 public:
  // The live decider kept under `key`, or null. `key` must say everything the decider was made from (the
  // policy document, its flavor and name).
  std::shared_ptr<const Decider> find(const std::string& key) const;
  // Keeps `decider` under `key` for as long as some target uses it.
  void keep(const std::string& key, const std::shared_ptr<const Decider>& decider);
  size_t size() const { return by_key_.size(); }

 private:
  void forget_unused();

  std::map<std::string, std::weak_ptr<const Decider>> by_key_;
  size_t kept_since_sweep_ = 0;
};

}  // namespace tollgate
