#include "supervisor/caller/process_info.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string_view>

#include "tollgate/unique_fd.h"

namespace tollgate {
namespace {

std::expected<std::string, int> read_small_file(const char* path) {
  UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return std::unexpected(errno);
  char buf[4096];
  ssize_t n = read(fd.get(), buf, sizeof buf);
  if (n < 0) return std::unexpected(errno);
  return std::string(buf, static_cast<size_t>(n));
}

uint32_t effective_id(std::string_view status, std::string_view key) {
  auto pos = status.find(key);
  if (pos == std::string_view::npos) return UINT32_MAX;
  unsigned real = 0, effective = UINT32_MAX;
  std::sscanf(status.data() + pos + key.size(), "%u %u", &real, &effective);
  return effective;
}

}  // namespace

std::expected<ProcessInfo, int> read_process_info(pid_t pid) {
  char path[64];
  ProcessInfo info;
  std::snprintf(path, sizeof path, "/proc/%d/comm", pid);
  auto comm = read_small_file(path);
  if (!comm) return std::unexpected(comm.error());
  info.comm = std::move(*comm);
  if (!info.comm.empty() && info.comm.back() == '\n') info.comm.pop_back();

  std::snprintf(path, sizeof path, "/proc/%d/exe", pid);
  char exe[PATH_MAX];
  ssize_t n = readlink(path, exe, sizeof exe - 1);
  if (n > 0) info.exe.assign(exe, static_cast<size_t>(n));

  std::snprintf(path, sizeof path, "/proc/%d/status", pid);
  auto status = read_small_file(path);
  if (!status) return std::unexpected(status.error());
  info.uid = effective_id(*status, "\nUid:");
  info.gid = effective_id(*status, "\nGid:");
  return info;
}

}  // namespace tollgate
