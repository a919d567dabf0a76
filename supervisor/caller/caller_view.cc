#include "supervisor/caller/caller_view.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstdio>

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

namespace tollgate {
namespace {

// This worker thread's caller namespaces: the last ones opened (reused while identical), and the ones
// the thread is inside (mount namespace and root) right now, if any.
thread_local std::shared_ptr<const CallerNamespaces> t_last_opened;
thread_local std::shared_ptr<const CallerNamespaces> t_entered;

std::expected<UniqueFd, int> open_proc_entry(pid_t pid, const char* entry, int flags) {
  char path[64];
  std::snprintf(path, sizeof path, "%d/%s", pid, entry);
  UniqueFd fd(openat(host_proc(), path, flags | O_CLOEXEC));
  if (!fd) return std::unexpected(errno == ENOENT ? ESRCH : errno);
  return fd;
}

bool same_file(int a, int b) {
  struct stat sa {
  }, sb{};
  return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

// statx of /proc/PID/<entry> (following the magic link: the namespace or directory itself), or of an fd
// with entry == nullptr.
std::expected<struct statx, int> identify(pid_t pid, const char* entry, int fd = -1) {
  struct statx sx {};
  int rc;
  if (entry != nullptr) {
    char path[64];
    std::snprintf(path, sizeof path, "%d/%s", pid, entry);
    rc = statx(host_proc(), path, 0, STATX_INO | STATX_MNT_ID_UNIQUE, &sx);
  } else {
    rc = statx(fd, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID_UNIQUE, &sx);
  }
  if (rc != 0) return std::unexpected(errno == ENOENT ? ESRCH : errno);
  return sx;
}

uint64_t dev_of(const struct statx& sx) { return (static_cast<uint64_t>(sx.stx_dev_major) << 32) | sx.stx_dev_minor; }

// The identity of what the caller has now: three statx calls, no fds.
std::expected<CallerNamespaces::Identity, int> current_identity(pid_t pid) {
  auto mnt = identify(pid, "ns/mnt");
  if (!mnt) return std::unexpected(mnt.error());
  auto user = identify(pid, "ns/user");
  if (!user) return std::unexpected(user.error());
  auto root = identify(pid, "root");
  if (!root) return std::unexpected(root.error());
  return CallerNamespaces::Identity{dev_of(*mnt),          mnt->stx_ino,   dev_of(*user), user->stx_ino,
                                    root->stx_mnt_id,      dev_of(*root),  root->stx_ino};
}

std::expected<std::shared_ptr<const CallerNamespaces>, int> open_namespaces(pid_t pid) {
  auto ns = std::make_shared<CallerNamespaces>();
  auto mnt = open_proc_entry(pid, "ns/mnt", O_RDONLY);
  if (!mnt) return std::unexpected(mnt.error());
  auto user = open_proc_entry(pid, "ns/user", O_RDONLY);
  if (!user) return std::unexpected(user.error());
  auto root = open_proc_entry(pid, "root", O_PATH | O_DIRECTORY);
  if (!root) return std::unexpected(root.error());
  // The identity of what we hold (not of a second look at /proc): this is what later calls compare with.
  auto m = identify(0, nullptr, mnt->get());
  auto u = identify(0, nullptr, user->get());
  auto r = identify(0, nullptr, root->get());
  if (!m || !u || !r) return std::unexpected(EIO);
  ns->identity = {dev_of(*m), m->stx_ino, dev_of(*u), u->stx_ino, r->stx_mnt_id, dev_of(*r), r->stx_ino};
  ns->mnt_ns_id = m->stx_ino;
  UniqueFd owner(ioctl(mnt->get(), NS_GET_USERNS));
  ns->user_ns_owns_mnt_ns = owner && same_file(owner.get(), user->get());
  UniqueFd ours(openat(host_proc(), "self/ns/user", O_RDONLY | O_CLOEXEC));
  ns->user_ns_is_ours = ours && same_file(ours.get(), user->get());
  ns->mnt_ns = std::move(*mnt);
  ns->user_ns = std::move(*user);
  ns->root = std::move(*root);
  return std::shared_ptr<const CallerNamespaces>(std::move(ns));
}

}  // namespace

std::expected<CallerView, int> open_caller_view(pid_t pid, CallerViewNeeds needs) {
  if (pid <= 0) return std::unexpected(ESRCH);
  open_host_dirs();  // normally done already; this thread still sees our own file system here
  CallerView v;
  v.pid = pid;
  auto now = current_identity(pid);
  if (!now) return std::unexpected(now.error());
  if (t_last_opened && t_last_opened->identity == *now) {
    v.ns = t_last_opened;
  } else {
    auto opened = open_namespaces(pid);
    if (!opened) return std::unexpected(opened.error());
    v.ns = std::move(*opened);
    t_last_opened = v.ns;
  }
  if (needs.pid_ns) {
    auto pidns = open_proc_entry(pid, "ns/pid", O_RDONLY);
    if (!pidns) return std::unexpected(pidns.error());
    v.pid_ns = std::move(*pidns);
  }
  if (needs.cwd) {
    auto cwd = open_proc_entry(pid, "cwd", O_PATH | O_DIRECTORY);
    if (!cwd) return std::unexpected(cwd.error());
    v.cwd = std::move(*cwd);
  }
  return v;
}

bool caller_capable_over_mount_ns(const CallerView& view, const CallerCredentials& creds, int cap) {
  if (view.ns->user_ns_owns_mnt_ns) return creds.has_cap(cap);
  UniqueFd ns(ioctl(view.mnt_ns(), NS_GET_USERNS));
  if (!ns) return false;
  // Walk from the owner towards the root, as cap_capable() does.
  for (int depth = 0; depth < 64; ++depth) {
    if (same_file(ns.get(), view.user_ns())) return creds.has_cap(cap);
    UniqueFd parent(ioctl(ns.get(), NS_GET_PARENT));
    if (!parent) return false;  // reached the top (or left our view) without meeting the caller's namespace
    uid_t owner = 0;
    if (same_file(parent.get(), view.user_ns()) && ioctl(ns.get(), NS_GET_OWNER_UID, &owner) == 0 &&
        owner == creds.euid)
      return true;  // the caller created this namespace: it holds every capability in it
    ns = std::move(parent);
  }
  return false;
}

std::expected<bool, int> caller_capable_over_mount_ns(const CallerView& view, int cap) {
  if (view.ns->user_ns_owns_mnt_ns) {
    auto caps = read_caller_capabilities(view.pid);
    if (!caps) return std::unexpected(caps.error());
    return CallerCredentials{.cap_effective = *caps}.has_cap(cap);
  }
  auto creds = read_caller_credentials(view.pid);  // the walk needs its euid too
  if (!creds) return std::unexpected(creds.error());
  return caller_capable_over_mount_ns(view, *creds, cap);
}

std::expected<void, int> enter_caller_view(const CallerView& view) {
  if (host_proc() < 0 || host_dev() < 0 || host_sys() < 0 || host_root() < 0) return std::unexpected(EBADF);
  if (t_entered == view.ns) return {};
  t_entered.reset();
  if (setns(view.mnt_ns(), CLONE_NEWNS) != 0) return std::unexpected(errno);
  if (fchdir(view.root()) != 0 || chroot(".") != 0) return std::unexpected(errno);
  t_entered = view.ns;
  return {};
}

void forget_entered_caller_view() { t_entered.reset(); }

bool holding_caller_view() { return t_last_opened != nullptr || t_entered != nullptr; }

std::expected<void, int> leave_caller_view(int home_ns) {
  t_entered.reset();
  t_last_opened.reset();
  if (setns(home_ns, CLONE_NEWNS) != 0) return std::unexpected(errno);
  if (auto r = return_to_host_root(); !r) return r;
  return {};
}

std::expected<void, int> return_to_host_root() {
  t_entered.reset();
  if (fchdir(host_root()) != 0 || chroot(".") != 0) return std::unexpected(errno);
  return {};
}

std::expected<UniqueFd, int> resolve_in_caller(const CallerView& view, int dirfd, const std::string& path,
                                               uint64_t open_flags) {
  if (path.empty()) return std::unexpected(ENOENT);
  if (t_entered != view.ns) return std::unexpected(EBADF);  // not inside the caller's root
  open_how how{};
  how.flags = open_flags | O_CLOEXEC;
  how.resolve = RESOLVE_NO_MAGICLINKS;
  int start = dirfd;
  if (path.front() == '/') {
    // Absolute paths, and absolute symlinks met on the way, start again at the caller's root.
    how.resolve |= RESOLVE_IN_ROOT;
    start = view.root();
  } else if (dirfd == AT_FDCWD) {
    // Relative to the caller's working directory; ".." stops at its root, which is this thread's root.
    if (!view.cwd) return std::unexpected(EBADF);
    start = view.cwd.get();
  }
  long fd = syscall(SYS_openat2, start, path.c_str(), &how, sizeof how);
  if (fd < 0) return std::unexpected(errno);
  return UniqueFd(static_cast<int>(fd));
}

std::expected<std::string, int> caller_path_of(int fd) {
  char link[64], buf[PATH_MAX];
  std::snprintf(link, sizeof link, "thread-self/fd/%d", fd);
  ssize_t n = readlinkat(host_proc(), link, buf, sizeof buf - 1);
  if (n <= 0) return std::unexpected(n == 0 ? EINVAL : errno);
  std::string path(buf, static_cast<size_t>(n));
  // The kernel marks what is not reachable from this thread's root (the caller's): never a match.
  if (path.front() != '/' || path.ends_with(" (deleted)")) return std::unexpected(EXDEV);
  return path;
}

}  // namespace tollgate
