#include "supervisor/caller_view.h"

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

namespace tollgate {
namespace {

std::expected<UniqueFd, int> open_proc_entry(pid_t pid, const char* entry, int flags) {
  char path[64];
  std::snprintf(path, sizeof path, "%d/%s", pid, entry);
  UniqueFd fd(openat(host_proc(), path, flags | O_CLOEXEC));
  if (!fd) return std::unexpected(errno == ENOENT ? ESRCH : errno);
  return fd;
}

int open_our_dir(const char* path) {
  return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

bool same_file(int a, int b) {
  struct stat sa {
  }, sb{};
  return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

}  // namespace

// Held for the life of the process: a worker inside a caller's root still reaches our own through them.
// clang-format off
int host_proc() { static const int fd = open_our_dir("/proc"); return fd; }
int host_root() { static const int fd = open_our_dir("/"); return fd; }
int host_sys() { static const int fd = open_our_dir("/sys"); return fd; }
int host_dev() { static const int fd = open_our_dir("/dev"); return fd; }
// clang-format on

void open_host_dirs() {
  host_proc();
  host_dev();
  host_sys();
  host_root();
}

std::expected<CallerView, int> open_caller_view(pid_t pid) {
  if (pid <= 0) return std::unexpected(ESRCH);
  open_host_dirs();  // normally done already; this thread still sees our own file system here
  CallerView v;
  auto mnt = open_proc_entry(pid, "ns/mnt", O_RDONLY);
  if (!mnt) return std::unexpected(mnt.error());
  auto user = open_proc_entry(pid, "ns/user", O_RDONLY);
  if (!user) return std::unexpected(user.error());
  auto pidns = open_proc_entry(pid, "ns/pid", O_RDONLY);
  if (!pidns) return std::unexpected(pidns.error());
  auto root = open_proc_entry(pid, "root", O_PATH | O_DIRECTORY);
  if (!root) return std::unexpected(root.error());
  auto cwd = open_proc_entry(pid, "cwd", O_PATH | O_DIRECTORY);
  if (!cwd) return std::unexpected(cwd.error());
  struct stat st {};
  if (fstat(mnt->get(), &st) != 0) return std::unexpected(errno);
  v.mnt_ns_id = st.st_ino;
  v.mnt_ns = std::move(*mnt);
  v.user_ns = std::move(*user);
  v.pid_ns = std::move(*pidns);
  v.root = std::move(*root);
  v.cwd = std::move(*cwd);
  return v;
}

bool caller_capable_over_mount_ns(const CallerView& view, const CallerCredentials& creds, int cap) {
  UniqueFd ns(ioctl(view.mnt_ns.get(), NS_GET_USERNS));
  if (!ns) return false;
  // Walk from the owner towards the root, as cap_capable() does.
  for (int depth = 0; depth < 64; ++depth) {
    if (same_file(ns.get(), view.user_ns.get())) return creds.has_cap(cap);
    UniqueFd parent(ioctl(ns.get(), NS_GET_PARENT));
    if (!parent) return false;  // reached the top (or left our view) without meeting the caller's namespace
    uid_t owner = 0;
    if (same_file(parent.get(), view.user_ns.get()) && ioctl(ns.get(), NS_GET_OWNER_UID, &owner) == 0 &&
        owner == creds.euid)
      return true;  // the caller created this namespace: it holds every capability in it
    ns = std::move(parent);
  }
  return false;
}

std::expected<void, int> enter_caller_view(const CallerView& view) {
  if (host_proc() < 0 || host_dev() < 0 || host_sys() < 0 || host_root() < 0) return std::unexpected(EBADF);
  if (setns(view.mnt_ns.get(), CLONE_NEWNS) != 0) return std::unexpected(errno);
  if (fchdir(view.root.get()) != 0 || chroot(".") != 0) return std::unexpected(errno);
  if (fchdir(view.cwd.get()) != 0) return std::unexpected(errno);
  return {};
}

std::expected<UniqueFd, int> resolve_in_caller(const CallerView& view, int dirfd, const std::string& path,
                                               uint64_t open_flags) {
  if (path.empty()) return std::unexpected(ENOENT);
  open_how how{};
  how.flags = open_flags | O_CLOEXEC;
  how.resolve = RESOLVE_NO_MAGICLINKS;
  int start = dirfd;
  if (path.front() == '/') {
    // Absolute paths, and absolute symlinks met on the way, start again at the caller's root.
    how.resolve |= RESOLVE_IN_ROOT;
    start = view.root.get();
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
