#include "supervisor/emulation/mount/mount_kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string_view>
#include <vector>

#include "core/file_text.h"
#include "supervisor/caller/caller_view.h"

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

namespace tollgate {

std::expected<MountIdentity, int> mount_identity(int fd) {
  struct statx sx {};
  if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID_UNIQUE, &sx) != 0)
    return std::unexpected(errno);
  if ((sx.stx_mask & STATX_MNT_ID_UNIQUE) == 0) return std::unexpected(ENOSYS);  // before Linux 6.8
  return MountIdentity{sx.stx_mnt_id,
                       (sx.stx_attributes & sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0};
}

std::expected<void, int> detach_mount(int fd) {
  // umount2 takes a path, not an fd: name the fd through our own /proc, which works whatever root this
  // thread has. Lazy, because our fd itself holds the mount busy.
  // (A worker's working directory means nothing: caller paths are resolved from explicit fds.)
  char self[64];
  std::snprintf(self, sizeof self, "thread-self/fd/%d", fd);
  if (fchdir(host_proc()) != 0) return std::unexpected(errno);
  if (umount2(self, MNT_DETACH) != 0) return std::unexpected(errno);
  return {};
}

std::expected<UniqueFd, int> attach_loop_device(int backing, bool read_only) {
  UniqueFd control(openat(host_dev(), "loop-control", O_RDWR | O_CLOEXEC));
  if (!control) return std::unexpected(errno);
  for (int attempt = 0; attempt < 8; ++attempt) {
    const int n = ioctl(control.get(), LOOP_CTL_GET_FREE);
    if (n < 0) return std::unexpected(errno);
    char name[32];
    std::snprintf(name, sizeof name, "loop%d", n);
    UniqueFd loop(openat(host_dev(), name, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC));
    if (!loop) return std::unexpected(errno);
    loop_config config{};
    config.fd = static_cast<uint32_t>(backing);
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR | (read_only ? LO_FLAGS_READ_ONLY : 0);
    if (ioctl(loop.get(), LOOP_CONFIGURE, &config) == 0) return loop;
    if (errno != EBUSY) return std::unexpected(errno);  // EBUSY: someone took it between the two calls
  }
  return std::unexpected(EBUSY);
}

std::expected<std::string, int> loop_backing_file(dev_t device) {
  char name[96];
  std::snprintf(name, sizeof name, "dev/block/%u:%u/loop/backing_file", major(device), minor(device));
  auto text = read_file_at(host_sys(), name);
  if (!text) return std::unexpected(text.error() == ENOENT ? ENXIO : text.error());
  while (!text->empty() && text->back() == '\n') text->pop_back();
  if (text->empty()) return std::unexpected(ENXIO);
  return *text;
}

std::expected<std::string, int> host_device_path(dev_t device) {
  char name[96];
  std::snprintf(name, sizeof name, "dev/block/%u:%u/uevent", major(device), minor(device));
  auto uevent = read_file_at(host_sys(), name);
  if (!uevent) return std::unexpected(uevent.error());
  auto pos = uevent->find("DEVNAME=");
  if (pos == std::string::npos) return std::unexpected(ENODEV);
  std::string devname = uevent->substr(pos + 8, uevent->find('\n', pos) - pos - 8);
  if (devname.empty() || devname.find("..") != std::string::npos) return std::unexpected(ENODEV);
  const std::string path = "/dev/" + devname;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::unexpected(errno);
  if (!S_ISBLK(st.st_mode) || st.st_rdev != device) return std::unexpected(ENODEV);
  return path;
}

namespace {

std::expected<bool, int> read_filesystem_needs_device(const std::string& fstype) {
  auto list = read_file_at(host_proc(), "filesystems");
  if (!list) return std::unexpected(list.error());
  std::string_view rest = *list;
  while (!rest.empty()) {
    auto eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
    auto tab = line.find('\t');
    if (tab == std::string_view::npos) continue;
    if (line.substr(tab + 1) == fstype) return line.substr(0, tab) != "nodev";
  }
  return std::unexpected(ENODEV);
}

}  // namespace

std::expected<bool, int> filesystem_needs_device(const std::string& fstype) {
  // Known types stay known (modules are not unloaded while in use); unknown ones are asked again, since a
  // module may be loaded meanwhile. Saves reading /proc/filesystems on every mount.
  static std::mutex mutex;
  static std::map<std::string, bool> known;
  {
    std::lock_guard lock(mutex);
    if (auto it = known.find(fstype); it != known.end()) return it->second;
  }
  auto answer = read_filesystem_needs_device(fstype);
  if (answer) {
    std::lock_guard lock(mutex);
    known.emplace(fstype, *answer);
  }
  return answer;
}

namespace {

int run_function(void* arg) {
  (*static_cast<const std::function<void()>*>(arg))();
  return 0;
}

}  // namespace

std::expected<void, int> run_in_pid_namespace(int pid_ns, const std::function<void()>& fn) {
  UniqueFd home(openat(host_proc(), "thread-self/ns/pid_for_children", O_RDONLY | O_CLOEXEC));
  if (!home) return std::unexpected(errno);
  // setns(CLONE_NEWPID) changes only where this thread's next child is born; it is put back below.
  if (setns(pid_ns, CLONE_NEWPID) != 0) return std::unexpected(errno);
  constexpr size_t kStack = 256 * 1024;
  std::vector<char> stack(kStack);
  // CLONE_VFORK: this thread sleeps until the child exits, so the child may use its memory (and its
  // thread-local state) freely; CLONE_FILES: the fds it opens are ours. Not CLONE_THREAD: a thread cannot live in another pid namespace.
  const pid_t child = clone(run_function, stack.data() + kStack, CLONE_VM | CLONE_FILES | CLONE_VFORK | SIGCHLD,
                            const_cast<std::function<void()>*>(&fn));
  const int clone_error = errno;
  const bool restored = setns(home.get(), CLONE_NEWPID) == 0;
  if (child > 0) waitpid(child, nullptr, __WALL);
  if (child < 0) return std::unexpected(clone_error);
  if (!restored) return std::unexpected(EPERM);
  return {};
}

}  // namespace tollgate
