// What /proc says about a caller. Read only when a rule or an event needs it (it costs several syscalls),
// and always followed by a NOTIF_ID_VALID check before it is acted upon.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <string>

namespace tollgate {

struct ProcessInfo {
  std::string comm;
  std::string exe;  // empty when unreadable (kernel threads, permissions)
  uint32_t uid = 0, gid = 0;  // effective ids
};

std::expected<ProcessInfo, int> read_process_info(pid_t pid);

}  // namespace tollgate
