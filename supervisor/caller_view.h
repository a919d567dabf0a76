// The caller's namespaces and file system view, opened from /proc/PID by a worker thread, and the way
// paths are resolved as the caller would resolve them: inside its root (RESOLVE_IN_ROOT for absolute
// paths, a chroot for relative ones), never through magic links (RESOLVE_NO_MAGICLINKS).
// Open it, read the caller's memory, then re-check NOTIF_ID_VALID before acting on any of it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <string>

#include "supervisor/caller_credentials.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

struct CallerView {
  UniqueFd mnt_ns, user_ns, pid_ns, root, cwd;
  uint64_t mnt_ns_id = 0;  // the mount namespace's inode number
};

// Error: errno (ESRCH when the caller is gone).
std::expected<CallerView, int> open_caller_view(pid_t pid);

// Does the caller hold `cap` over the user namespace that owns its mount namespace? The kernel's
// ns_capable() rule, evaluated on the caller's credentials, not ours.
bool caller_capable_over_mount_ns(const CallerView& view, const CallerCredentials& creds, int cap);

// Moves the calling (worker) thread into the caller's mount namespace, root and cwd. The thread must have
// unshared CLONE_FS. It stays there until the next call: setns resets root and cwd each time.
std::expected<void, int> enter_caller_view(const CallerView& view);

// After enter_caller_view: opens `path` as the caller would (relative paths from `dirfd`, AT_FDCWD for its
// cwd), never leaving its root. `open_flags` as for openat2 (O_PATH, O_NOFOLLOW...). Error: errno.
std::expected<UniqueFd, int> resolve_in_caller(const CallerView& view, int dirfd, const std::string& path,
                                               uint64_t open_flags);

// After enter_caller_view: the path of an fd as the caller sees it from its root. Error: errno (EXDEV for
// something outside the caller's root).
std::expected<std::string, int> caller_path_of(int fd);

// Opens the four below now (they are held for the life of the process); the emulation dispatcher calls
// it when it starts, so that they are opened in our own root and namespace.
void open_host_dirs();
// The supervisor's own /proc, opened once (before any worker moves into a caller's root).
int host_proc();
// The supervisor's own /dev, likewise (loop devices).
int host_dev();
// And /sys (loop devices' backing files).
int host_sys();
// And our root directory: a worker can chroot back to it once the caller's paths are resolved.
int host_root();

}  // namespace tollgate
