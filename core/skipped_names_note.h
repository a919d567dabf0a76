// The note a loader prints when a policy's filter left out names this machine does not have (as runc
// does with a Docker profile), so that the person who wrote or copied the file sees what was dropped.
#pragma once

#include <string>

#include "tollgate/policy.h"

namespace tollgate {

// "FILE: left out of the filter, as runc does (no such syscall here): cachestat (unknown to libseccomp
// 2.5.4); bdflush, _llseek and 93 more (not a syscall on x86_64); ...". Each name once; every name unknown to
// libseccomp, the first few of other architectures. Empty when nothing was left out.
std::string skipped_names_note(const Policy& policy);

}  // namespace tollgate
