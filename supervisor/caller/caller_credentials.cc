#include "supervisor/caller/caller_credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "core/proc_status.h"

namespace tollgate {

std::expected<CallerCredentials, int> read_caller_credentials(pid_t pid) {
  auto status = ProcStatus::of(pid);
  if (!status) return std::unexpected(status.error());
  auto uids = status->ids("Uid");
  auto gids = status->ids("Gid");
  auto caps = status->mask("CapEff");
  if (!uids || !gids || !caps) return std::unexpected(EINVAL);
  CallerCredentials c;
  c.euid = (*uids)[1];
  c.fsuid = (*uids)[3];
  c.egid = (*gids)[1];
  c.fsgid = (*gids)[3];
  if (auto mask = status->number("Umask", 8)) c.umask = static_cast<mode_t>(*mask & 0777);
  c.cap_effective = *caps;
  return c;
}

std::expected<uint64_t, int> read_caller_capabilities(pid_t pid) {
  if (pid <= 0) return std::unexpected(ESRCH);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, pid};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) return std::unexpected(errno);
  return static_cast<uint64_t>(data[0].effective) | (static_cast<uint64_t>(data[1].effective) << 32);
}

}  // namespace tollgate
