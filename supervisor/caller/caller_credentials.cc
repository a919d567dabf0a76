#include "supervisor/caller/caller_credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "tollgate/unique_fd.h"

namespace tollgate {
namespace {

// The text after "\nKey:" up to the end of its line; empty when absent.
std::string_view field(std::string_view status, std::string_view key) {
  auto pos = status.find(key);
  if (pos == std::string_view::npos) return {};
  auto begin = pos + key.size();
  auto end = status.find('\n', begin);
  return status.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
}

}  // namespace

std::expected<CallerCredentials, int> read_caller_credentials(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", pid);
  UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return std::unexpected(errno == ENOENT ? ESRCH : errno);
  char buf[8192];
  ssize_t n = read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return std::unexpected(n == 0 ? ESRCH : errno);
  buf[n] = '\0';
  std::string_view status(buf, static_cast<size_t>(n));
  CallerCredentials c;
  unsigned real = 0, saved = 0, mask = 0;
  unsigned long long caps = 0;
  const std::string uid(field(status, "\nUid:")), gid(field(status, "\nGid:"));
  const std::string umask(field(status, "\nUmask:")), cap(field(status, "\nCapEff:"));
  if (std::sscanf(uid.c_str(), "%u %u %u %u", &real, &c.euid, &saved, &c.fsuid) != 4 ||
      std::sscanf(gid.c_str(), "%u %u %u %u", &real, &c.egid, &saved, &c.fsgid) != 4 ||
      std::sscanf(cap.c_str(), "%llx", &caps) != 1)
    return std::unexpected(EINVAL);
  if (std::sscanf(umask.c_str(), "%o", &mask) == 1) c.umask = static_cast<mode_t>(mask & 0777);
  c.cap_effective = caps;
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
