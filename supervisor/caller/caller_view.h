// The caller's namespaces and file system view, as an emulation worker thread needs them, and the way
// paths are resolved as the caller would resolve them: inside its root (RESOLVE_IN_ROOT for absolute
// paths, a chroot for relative ones), never through magic links (RESOLVE_NO_MAGICLINKS).
// Open it, read the caller's memory, then re-check NOTIF_ID_VALID before acting on any of it.
//
// A worker thread keeps the namespaces of its last caller open, and stays in that mount namespace and
// root, until it is told to leave (leave_caller_view). The next caller whose mount namespace, user
// namespace and root are the very same (checked by identity on every call: inode numbers of namespaces
// we hold open cannot be reused, and neither can unique mount ids) reuses them: a stat per item instead
// of opening /proc entries, joining a namespace and chrooting on every call.
#pragma once

#include "core/host_dirs.h"

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <memory>
#include <string>

#include "supervisor/caller/caller_credentials.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

// What a caller's mount namespace, user namespace and root are; shared by the calls that find them
// unchanged.
struct CallerNamespaces {
  UniqueFd mnt_ns, user_ns, root;
  uint64_t mnt_ns_id = 0;  // the mount namespace's inode number
  // The caller's user namespace owns its mount namespace: its own capabilities are what the kernel
  // checks for mounting there (the usual case, and the one answered without reading /proc/PID/status).
  bool user_ns_owns_mnt_ns = false;
  bool user_ns_is_ours = false;  // the caller shares our user namespace (nothing to idmap)
  struct Identity {
    uint64_t mnt_dev = 0, mnt_ino = 0, user_dev = 0, user_ino = 0;
    uint64_t root_mnt = 0, root_dev = 0, root_ino = 0;
    bool operator==(const Identity&) const = default;
  } identity;
};

struct CallerView {
  std::shared_ptr<const CallerNamespaces> ns;
  UniqueFd pid_ns, cwd;  // only when asked for (CallerViewNeeds)
  pid_t pid = 0;

  int mnt_ns() const { return ns->mnt_ns.get(); }
  int user_ns() const { return ns->user_ns.get(); }
  int root() const { return ns->root.get(); }
  uint64_t mnt_ns_id() const { return ns->mnt_ns_id; }
};

struct CallerViewNeeds {
  bool cwd = false;     // some path to resolve is relative to the caller's working directory
  bool pid_ns = false;  // something is created in the caller's pid namespace (proc)
};

// Error: errno (ESRCH when the caller is gone). Worker threads only (it uses this thread's cache).
std::expected<CallerView, int> open_caller_view(pid_t pid, CallerViewNeeds needs = {});

// Does the caller hold `cap` over the user namespace that owns its mount namespace? The kernel's
// ns_capable() rule, evaluated on the caller's credentials (capget, or /proc/PID/status when the owner
// is another namespace), not ours. Error: errno (the caller could not be read).
std::expected<bool, int> caller_capable_over_mount_ns(const CallerView& view, int cap);
// The same rule on credentials already read.
bool caller_capable_over_mount_ns(const CallerView& view, const CallerCredentials& creds, int cap);

// Moves the calling (worker) thread into the caller's mount namespace and root, unless it is there
// already. The thread must have unshared CLONE_FS.
std::expected<void, int> enter_caller_view(const CallerView& view);

// This thread is about to change its root or mount namespace itself (back to ours): the next
// enter_caller_view must join again.
void forget_entered_caller_view();

// Back to our own mount namespace (`home_ns`) and root, dropping the namespaces held for the last
// caller: an idle worker must not keep a dead container's mount namespace (and its loop devices) alive.
// Error: errno; the thread is then unfit for file system emulation.
std::expected<void, int> leave_caller_view(int home_ns);
// Does this thread hold a caller's namespaces (so that leave_caller_view has something to do)?
bool holding_caller_view();

// After enter_caller_view: opens `path` as the caller would, never leaving its root: relative paths
// from `dirfd`, or from the caller's working directory for AT_FDCWD (the view must have been opened
// with needs.cwd; EBADF otherwise). `open_flags` as for openat2 (O_PATH, O_NOFOLLOW...). Error: errno.
std::expected<UniqueFd, int> resolve_in_caller(const CallerView& view, int dirfd, const std::string& path,
                                               uint64_t open_flags);

// After enter_caller_view: the path of an fd as the caller sees it from its root. Error: errno (EXDEV for
// something outside the caller's root).
std::expected<std::string, int> caller_path_of(int fd);

// chroot back to our own root (the worker stays in its current mount namespace): for looking up our own
// device nodes once the caller's paths are resolved.
std::expected<void, int> return_to_host_root();

}  // namespace tollgate
