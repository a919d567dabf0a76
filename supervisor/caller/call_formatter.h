// strace-like rendering of a notified call: mount("none", "/mnt", "tmpfs", MS_NOSUID, NULL)
#pragma once

#include <string>

#include "supervisor/caller/call_context.h"

namespace tollgate {

// Uses only what the context has already read: never touches the target.
std::string format_call(const CallContext& call);

}  // namespace tollgate
