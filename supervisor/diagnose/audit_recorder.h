// Audit mode's record: every call the profile would have denied, killed or trapped (AuditDecider lets it
// through), grouped by syscall and responsible entry, for the summary, the JSON report and the suggested
// profile.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "profile/profile_judge.h"
#include "supervisor/caller/call_context.h"

namespace tollgate {

struct AuditFinding {
  std::string syscall;
  int nr = 0;
  ProfileJudgement judgement;  // of the first call; the same for the group
  uint64_t count = 0;
  std::set<pid_t> pids;
  std::set<std::string> comms;
  std::string example;                               // the first call, formatted
  std::vector<std::array<uint64_t, 6>> arg_samples;  // distinct argument tuples, at most kMaxSamples
  static constexpr size_t kMaxSamples = 64;
};

class AuditRecorder {
 public:
  void record(CallContext& call, const ProfileJudgement& judgement);
  // Ordered by syscall name, then entry.
  std::vector<const AuditFinding*> findings() const;

 private:
  // nr, responsible entry index (-1: defaultAction), the action P returns
  std::map<std::tuple<int, int, uint32_t>, AuditFinding> groups_;
};

}  // namespace tollgate
