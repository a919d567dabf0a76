// tg_probe: makes one syscall chosen on the command line and reports what it saw, so integration tests can
// run it under real filters and assert on real results. Output: "<action>: ret=<value> errno=<NAME|0>".
#include <asm/prctl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

int report(const char* action, long ret, int err) {
  const char* name = ret < 0 ? strerrorname_np(err) : "0";
  std::printf("%s: ret=%ld errno=%s\n", action, ret, name != nullptr ? name : "?");
  std::fflush(stdout);
  return 0;
}

#define PROBE(action, expr)            \
  do {                                 \
    errno = 0;                         \
    long r_ = static_cast<long>(expr); \
    return report(action, r_, errno);  \
  } while (0)

unsigned long num(const char* s) { return std::strtoul(s, nullptr, 0); }

int install_listener_filter() {
  sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  sock_fprog prog{1, allow};
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  return static_cast<int>(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
}

int list_fds() {
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return 1;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char path[300], target[512] = {};
    std::snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
    ssize_t n = readlink(path, target, sizeof target - 1);
    std::printf("fd %s -> %s\n", e->d_name, n > 0 ? target : "?");
  }
  closedir(d);
  return 0;
}

// Calls getppid `count` times (or forever) and checks every answer: "real" for the true parent pid,
// or an errno number the supervisor is expected to answer with.
int getppid_loop(long count, const char* expect) {
  const bool real = std::string_view(expect) == "real";
  const int want_errno = real ? 0 : static_cast<int>(num(expect));
  const pid_t parent = real ? static_cast<pid_t>(syscall(SYS_getppid)) : 0;
  long wrong = 0;
  for (long i = 0; count < 0 || i < count; ++i) {
    errno = 0;
    long r = syscall(SYS_getppid);
    bool ok = real ? r == parent : (r == -1 && errno == want_errno);
    if (!ok) ++wrong;
  }
  std::printf("getppid-loop: calls=%ld wrong=%ld\n", count, wrong);
  return wrong == 0 ? 0 : 3;
}

// A second thread rewrites the target path between an allowed and a denied one (same length) while the
// main thread mounts tmpfs; after each success, checks which of the two got the mount.
int mount_race(const std::string& allowed, const std::string& denied, long attempts) {
  if (allowed.size() != denied.size()) return 2;
  static char buffer[4096];
  memcpy(buffer, allowed.c_str(), allowed.size() + 1);
  static std::atomic<bool> stop{false};
  std::thread flipper([&] {
    for (unsigned i = 0; !stop.load(std::memory_order_relaxed); ++i)
      memcpy(buffer, (i & 1) ? denied.c_str() : allowed.c_str(), allowed.size());
  });
  struct stat parent {};
  stat((allowed + "/..").c_str(), &parent);
  auto mounted = [&](const std::string& p) {
    struct stat st {};
    return stat(p.c_str(), &st) == 0 && st.st_dev != parent.st_dev;
  };
  long ok = 0, wrong = 0, left = 0;
  for (long i = 0; i < attempts; ++i) {
    if (mount("none", buffer, "tmpfs", 0, nullptr) != 0) continue;
    ++ok;
    if (mounted(denied)) {
      ++wrong;
      umount2(denied.c_str(), MNT_DETACH);
    }
    if (mounted(allowed) && umount2(allowed.c_str(), 0) != 0) ++left;
  }
  stop = true;
  flipper.join();
  std::printf("mount-race: attempts=%ld mounted=%ld wrong=%ld left=%ld\n", attempts, ok, wrong, left);
  return 0;
}

// `threads` threads each mount(source, target, fstype) at once; one line per thread as each returns.
int mount_threads(long threads, const char* source, const char* target, const char* fstype) {
  std::vector<std::thread> all;
  for (long i = 0; i < threads; ++i)
    all.emplace_back([=] {
      const int ret = mount(source, target, fstype, 0, nullptr);
      const int e = ret == 0 ? 0 : errno;
      std::printf("mount-thread: ret=%d errno=%s\n", ret, e == 0 ? "0" : strerrorname_np(e));
      std::fflush(stdout);
    });
  for (auto& t : all) t.join();
  return 0;
}

long reboot_command(std::string_view kind) {
  const unsigned cmd = kind == "restart" ? 0x01234567u : kind == "halt" ? 0xCDEF0123u : 0x4321FEDCu;
  return syscall(SYS_reboot, 0xfee1deadu, 672274793u, cmd, nullptr);
}

// settimeofday to now + offset seconds; prints the clock before and after so callers can compare.
int settimeofday_offset(long offset) {
  timeval now{};
  gettimeofday(&now, nullptr);
  timeval target = now;
  target.tv_sec += offset;
  errno = 0;
  long r = syscall(SYS_settimeofday, &target, nullptr);
  const int err = errno;
  timeval after{};
  gettimeofday(&after, nullptr);
  std::printf("clock moved by %ld s\n", static_cast<long>(after.tv_sec - now.tv_sec));
  return report("settimeofday", r, err);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: tg_probe ACTION [ARGS]\n");
    return 2;
  }
  const std::string_view a = argv[1];
  const char* x = argc > 2 ? argv[2] : "";
  const char* y = argc > 3 ? argv[3] : "";
  const char* z = argc > 4 ? argv[4] : "";
  if (a == "mount") PROBE("mount", mount(x, y, z, 0, nullptr));
  if (a == "umount2") PROBE("umount2", umount2(x, 0));
  // Raw: glibc's wrapper dereferences its argument. With two NULLs the kernel does nothing.
  if (a == "settimeofday") PROBE("settimeofday", syscall(SYS_settimeofday, nullptr, nullptr));
  if (a == "clock_settime") {
    timespec ts{};
    PROBE("clock_settime", clock_settime(CLOCK_MONOTONIC, &ts));  // EINVAL if it ran: harmless
  }
  if (a == "reboot") PROBE("reboot", syscall(SYS_reboot, 0, 0, 0, nullptr));  // bad magic: EINVAL if it ran
  if (a == "mknod") PROBE("mknod", mknod(x, S_IFCHR | 0600, makedev(1, 3)));
  if (a == "getpid") PROBE("getpid", syscall(SYS_getpid));
  if (a == "getppid") PROBE("getppid", syscall(SYS_getppid));
  if (a == "uname") PROBE("uname", syscall(SYS_uname, nullptr));  // EFAULT if it ran
  if (a == "open") PROBE("open", open(x, O_RDONLY | O_CLOEXEC));
  if (a == "write") PROBE("write", write(1, "x\n", 2));
  if (a == "exit-with-write-errno") {
    // For profiles that deny write: the exit status carries the result instead of stdout.
    long r = write(1, "x\n", 2);
    _exit(r < 0 ? errno : 0);
  }
  if (a == "seccomp-listener") PROBE("seccomp-listener", install_listener_filter());
  if (a == "list-fds") return list_fds();
  if (a == "personality") PROBE("personality", syscall(SYS_personality, num(x)));
  if (a == "socket") PROBE("socket", socket(static_cast<int>(num(x)), static_cast<int>(num(y)), static_cast<int>(num(z))));
  if (a == "swapoff") PROBE("swapoff", swapoff(x));
  if (a == "add_key") PROBE("add_key", syscall(SYS_add_key, "user", "tg", "", 0, -100));
  if (a == "arch_prctl") {
    unsigned long fs = 0;
    PROBE("arch_prctl", syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
  }
  if (a == "raw-bpf") PROBE("bpf", syscall(SYS_bpf, -1, nullptr, 0));  // bogus command: EINVAL if it ran
  if (a == "open_by_handle_at") PROBE("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, nullptr, 0));
  if (a == "getppid-loop") return getppid_loop(std::strtol(x, nullptr, 0), y);
  if (a == "sleep") {
    sleep(static_cast<unsigned>(num(x)));
    return 0;
  }
  if (a == "exit") return static_cast<int>(num(x));
  if (a == "fsopen") PROBE("fsopen", syscall(SYS_fsopen, "tmpfs", 0));
  if (a == "mount-data") PROBE("mount-data", mount(x, y, z, num(argc > 5 ? argv[5] : "0"), argc > 6 ? argv[6] : nullptr));
  if (a == "mount-race") return mount_race(x, y, std::strtol(z, nullptr, 0));
  if (a == "mount-threads") return mount_threads(std::strtol(x, nullptr, 0), y, z, argc > 5 ? argv[5] : "tmpfs");
  if (a == "reboot-cmd") PROBE("reboot-cmd", reboot_command(x));
  if (a == "settimeofday-offset") return settimeofday_offset(std::strtol(x, nullptr, 0));
  if (a == "mknod-dev") PROBE("mknod-dev", mknod(x, (std::string_view(y) == "b" ? S_IFBLK : S_IFCHR) | 0666,
                                             makedev(num(z), num(argc > 5 ? argv[5] : "0"))));
  std::fprintf(stderr, "tg_probe: unknown action %s\n", argv[1]);
  return 2;
}
