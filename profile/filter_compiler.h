// Policy filter layer -> seccomp BPF for the native architecture.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "profile/filter_environment.h"
#include "tollgate/policy.h"

namespace tollgate {

struct CompiledFilter {
  // Ready to install: a guard prefix (foreign architectures killed, seccomp(NEW_LISTENER) refused) followed by
  // the program libseccomp generated for the profile.
  std::vector<sock_filter> program;
  std::vector<int> notified_syscalls;  // native numbers that some entry sends to the supervisor
};

// What the kernel filter returns for an entry's action (SECCOMP_RET_* with its data; the same values as
// libseccomp's SCMP_ACT_*). ERRNO and TRACE without errnoRet mean EPERM, as in runc.
uint32_t filter_return_value(FilterAction action, std::optional<int> errno_ret);

std::expected<CompiledFilter, std::string> compile_filter(const FilterLayer& filter, const FilterEnvironment& env);

}  // namespace tollgate
