// `tollgate lint --runtime runc|crun`: the calls the runtime itself makes under the container's profile
// (runtime_syscalls.h) that the profile denies, i.e. why a container would fail before its command runs.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "profile/filter_environment.h"
#include "profile/profile_lint.h"
#include "profile/runtime_syscalls.h"
#include "tollgate/policy.h"

namespace tollgate {

// One error finding ("runtime-calls") per denied call. Each call is judged with all arguments 0: an entry
// with argument conditions may decide differently for the runtime's real arguments, which the message says.
// Error: the profile does not compile here.
std::expected<std::vector<LintFinding>, std::string> lint_runtime_calls(const PolicyPtr& profile,
                                                                        const FilterEnvironment& env,
                                                                        const RuntimeCalls& runtime);

}  // namespace tollgate
