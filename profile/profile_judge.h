// What a Docker/OCI profile P does with one call, and why: P's own compiled filter is evaluated in user space
// (the ground truth: the kernel would run exactly this program) and the entry responsible is found among
// P's entries, or P's defaultAction, with the reasons other entries for the same syscall did not apply.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "profile/filter_environment.h"
#include "tollgate/policy.h"

namespace tollgate {

struct ProfileJudgement {
  uint32_t action = SECCOMP_RET_KILL_PROCESS;  // what P's filter returns, SECCOMP_RET_* | data
  FilterAction kind = FilterAction::KillProcess;
  int error = 0;                        // ERRNO / TRACE data
  const SyscallEntry* entry = nullptr;  // the responsible entry; nullptr: defaultAction (or unknown)
  int entry_index = -1;
  bool by_default = false;  // the defaultAction decided
  std::string rule;         // "defaultAction SCMP_ACT_ERRNO(38)" / "/syscalls/0 [..] ..."
  std::string why;          // "statx is not allowed by any rule"
};

class ProfileJudge {
 public:
  // Compiles P for this machine (as `run --profile P` would). Error: the compiler's message.
  static std::expected<ProfileJudge, std::string> create(PolicyPtr profile, FilterEnvironment env);

  ProfileJudgement judge(const seccomp_data& data, std::string_view syscall_name) const;
  const Policy& profile() const { return *profile_; }
  const FilterEnvironment& environment() const { return env_; }

 private:
  ProfileJudge(PolicyPtr profile, FilterEnvironment env, std::vector<sock_filter> program)
      : profile_(std::move(profile)), env_(std::move(env)), program_(std::move(program)) {}
  void explain_default(ProfileJudgement& j, const seccomp_data& data, std::string_view name) const;

  PolicyPtr profile_;
  FilterEnvironment env_;
  std::vector<sock_filter> program_;
};

// Whether an entry's argument conditions hold for these arguments, with the filter compiler's semantics:
// all conditions (AND), or any of them (OR) when an argument index repeats, as Docker's profiles rely on.
bool entry_args_match(const SyscallEntry& entry, const uint64_t (&args)[6]);

// "SCMP_ACT_ERRNO(EPERM)", "SCMP_ACT_KILL_PROCESS"
std::string describe_action(FilterAction action, std::optional<int> errno_ret);
// "arg0 == 0x20008", "arg1 & 0xff == 0x9"
std::string describe_condition(const ArgCondition& c);

}  // namespace tollgate
