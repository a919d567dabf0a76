#include "supervisor/caller/process_info.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string_view>

#include "core/file_text.h"
#include "core/host_dirs.h"
#include "core/proc_status.h"

namespace tollgate {

std::expected<ProcessInfo, int> read_process_info(pid_t pid) {
  char path[64];
  ProcessInfo info;
  // Relative to our own /proc: emulation workers call this from inside a container's root.
  std::snprintf(path, sizeof path, "%d/comm", pid);
  auto comm = read_file_at(host_proc(), path);
  if (!comm) return std::unexpected(comm.error());
  info.comm = std::move(*comm);
  if (!info.comm.empty() && info.comm.back() == '\n') info.comm.pop_back();

  std::snprintf(path, sizeof path, "%d/exe", pid);
  char exe[PATH_MAX];
  ssize_t n = readlinkat(host_proc(), path, exe, sizeof exe - 1);
  if (n > 0) info.exe.assign(exe, static_cast<size_t>(n));

  auto status = ProcStatus::of(pid);
  if (!status) return std::unexpected(status.error());
  auto uids = status->ids("Uid");
  auto gids = status->ids("Gid");
  info.uid = uids ? (*uids)[1] : UINT32_MAX;
  info.gid = gids ? (*gids)[1] : UINT32_MAX;
  return info;
}

}  // namespace tollgate
