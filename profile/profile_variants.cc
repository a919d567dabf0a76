#include "profile/profile_variants.h"

namespace tollgate {

bool is_denying(FilterAction action) {
  switch (action) {
    case FilterAction::Errno:
    case FilterAction::KillThread:
    case FilterAction::KillProcess:
    case FilterAction::Trap:
    case FilterAction::Trace:
      return true;
    case FilterAction::Allow:
    case FilterAction::Log:
    case FilterAction::Notify:
      return false;
  }
  return true;
}

FilterLayer notify_instead_of_denying(const FilterLayer& profile) {
  FilterLayer out = profile;
  if (is_denying(out.default_action)) {
    out.default_action = FilterAction::Notify;
    out.default_errno_ret.reset();
  }
  for (SyscallEntry& entry : out.syscalls) {
    if (!is_denying(entry.action)) continue;
    entry.action = FilterAction::Notify;
    entry.errno_ret.reset();
  }
  return out;
}

FilterLayer notify_everything() {
  FilterLayer out;
  out.default_action = FilterAction::Notify;
  return out;
}

}  // namespace tollgate
