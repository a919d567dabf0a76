// Learn mode: every syscall of the program tree reaches the supervisor, is recorded and continued (nothing
// is enforced, so CONTINUE is safe), and the record becomes a minimal allow-list profile at exit.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "supervisor/diagnose/audit_recorder.h"
#include "supervisor/decider.h"

namespace tollgate {

class SyscallLearner final : public Decider {
 public:
  Decision decide(CallContext& call) const override;
  const std::string& policy_name() const override { return name_; }

  // Every syscall seen, as findings (name, number, distinct argument tuples) for profile_suggestion.
  std::vector<AuditFinding> seen() const;
  // A Docker-format profile allowing exactly what was seen: defaultAction ERRNO (EPERM), one allow entry,
  // and one commented entry per argument-sensitive syscall (socket families, personality, clone flags).
  // `unobserved`: names allowed too although they could not be seen (a container's runtime must make them
  // unnotified, profile/profile_variants.h).
  nlohmann::json profile(const std::vector<std::string>& command,
                         const std::set<std::string>& unobserved = {}) const;

 private:
  struct Seen {
    uint64_t count = 0;
    std::vector<std::array<uint64_t, 6>> samples;
  };
  std::string name_ = "learn";
  mutable std::map<int, Seen> seen_;  // by number; the loop thread is the only writer
};

}  // namespace tollgate
