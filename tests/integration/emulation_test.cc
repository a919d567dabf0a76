// Emulated calls (time, reboot, mknod, mount, umount2) under real filters: what the target observes, what
// the host keeps (clock, mounts, loop devices), and the refusals.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "tests/integration/harness.h"

namespace tollgate::testing {
namespace {

const std::string kRootlessPolicy = kPolicyDir + "/rootless-mount.json";

// A policy that notifies the emulated calls and hands them to `rules` (a JSON array).
std::string policy_with_rules(const std::string& rules) {
  return R"({"comment": "test", "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mount", "umount2", "@clock", "@reboot", "@mknod"], "action": "SCMP_ACT_NOTIFY"},
                 {"names": ["@mount-api"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}],
    "rules": )" +
         rules + "}";
}

std::vector<std::string> with(std::vector<std::string> head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

// Mount points in this (the test's) mount namespace at or below `prefix`.
std::vector<std::string> host_mounts_under(const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(read_file("/proc/self/mountinfo"));
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    fields >> id >> parent >> dev >> root >> point;
    if (point.starts_with(prefix)) out.push_back(point);
  }
  return out;
}

// SIGKILLs pid's children (from /proc/PID/task/PID/children), then pid.
void kill_tree(pid_t pid) {
  kill(pid, SIGSTOP);  // no new children meanwhile
  std::istringstream children(
      read_file("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children"));
  for (pid_t child; children >> child;) kill_tree(child);
  kill(pid, SIGKILL);
}

double realtime_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

// ---- time ----

TEST(TimeEmulation, PretendAnswersSuccessAndTheHostClockDoesNotMove) {
  const double before = realtime_now();
  ProcessResult r = run_process(
      {kTollgate, "run", "--policy", kRootlessPolicy, "--", kProbe, "settimeofday-offset", "86400"});
  const double after = realtime_now();
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("settimeofday: ret=0 errno=0"), std::string::npos) << r.out;
  EXPECT_TRUE(r.out.find("clock moved by 0 s") != std::string::npos ||
              r.out.find("clock moved by 1 s") != std::string::npos)
      << r.out;
  EXPECT_LT(after - before, 60.0);  // a day's step would show here
  EXPECT_NE(r.err.find("settimeofday("), std::string::npos) << "the pretended call is logged: " << r.err;
}

TEST(TimeEmulation, HostModeRefusesAStepAboveTheLimit) {
  TempDir dir;
  write_file(dir.file("p.json"),
             policy_with_rules(R"([{"syscalls": ["@clock"], "action": "emulate", "handler": "time",
      "options": {"mode": "host", "max_step_seconds": 1}}])"));
  const double before = realtime_now();
  ProcessResult r = run_process(
      {kTollgate, "run", "--policy", dir.file("p.json"), "--", kProbe, "settimeofday-offset", "3600"});
  EXPECT_NE(r.out.find("settimeofday: ret=-1 errno=EPERM"), std::string::npos) << r.out << r.err;
  EXPECT_LT(realtime_now() - before, 60.0);
}

TEST(TimeEmulation, BadArgumentsGetTheKernelsErrors) {
  // clock_settime(CLOCK_MONOTONIC) is EINVAL from the kernel; pretending must not turn it into success.
  ProcessResult r =
      run_process({kTollgate, "run", "--policy", kRootlessPolicy, "--", kProbe, "clock_settime"});
  EXPECT_NE(r.out.find("clock_settime: ret=-1 errno=EINVAL"), std::string::npos) << r.out << r.err;
}

// ---- reboot ----

struct RebootCase {
  std::string command;
  int status;
};

TEST(RebootEmulation, ExitModeEndsTheTargetTreeWithADocumentedStatus) {
  for (const RebootCase& c :
       {RebootCase{"restart", 120}, RebootCase{"halt", 121}, RebootCase{"poweroff", 122}}) {
    TempDir dir;
    // A background child that would outlive the shell, then the reboot: both must be gone.
    const std::string script = kProbe + " sleep 120 & echo $! > " + dir.file("child") + "; " + kProbe +
                               " reboot-cmd " + c.command + "; echo survived";
    ProcessResult r =
        run_process({kTollgate, "run", "--policy", kRootlessPolicy, "--", "/bin/sh", "-c", script});
    EXPECT_EQ(r.status, c.status) << c.command << ": " << r.out << r.err;
    EXPECT_EQ(r.out.find("survived"), std::string::npos) << r.out;
    const std::string child = read_file(dir.file("child"));
    ASSERT_FALSE(child.empty());
    const pid_t pid = std::stoi(child);
    EXPECT_TRUE(eventually([&] {
      std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
      return stat.empty() || stat.find(") Z") != std::string::npos;
    })) << "the background child of the rebooting shell is still running";
  }
}

TEST(RebootEmulation, PretendModeAnswersZeroAndKeepsRunning) {
  TempDir dir;
  write_file(
      dir.file("p.json"),
      policy_with_rules(
          R"([{"syscalls": ["@reboot"], "action": "emulate", "handler": "reboot", "options": {"mode": "pretend"}}])"));
  ProcessResult r =
      run_process({kTollgate, "run", "--policy", dir.file("p.json"), "--", kProbe, "reboot-cmd", "restart"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("reboot-cmd: ret=0 errno=0"), std::string::npos) << r.out;
}

// ---- mknod ----

TEST(MknodEmulation, DevNullIsCreatedOwnedByTheCaller) {
  TempDir dir;
  chmod(dir.path().c_str(), 0777);
  // uid 1000 keeps CAP_MKNOD (as a container's root would have it): the node must belong to 1000, not to us.
  ProcessResult r = run_process({kTollgate, "run", "--", "/usr/bin/setpriv", "--reuid=1000", "--regid=1000",
                                 "--clear-groups", "--inh-caps=+mknod", "--ambient-caps=+mknod", kProbe,
                                 "mknod-dev", dir.file("null"), "c", "1", "3"});
  EXPECT_NE(r.out.find("mknod-dev: ret=0 errno=0"), std::string::npos) << r.out << r.err;
  struct stat st {};
  ASSERT_EQ(lstat(dir.file("null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1000u);
  const mode_t mask = umask(0);
  umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0666u & ~mask);  // the caller's umask (inherited from us) applies
}

TEST(MknodEmulation, OtherDevicesAndCallersWithoutCapMknodGetEperm) {
  TempDir dir;
  chmod(dir.path().c_str(), 0777);
  ProcessResult disk =
      run_process({kTollgate, "run", "--", kProbe, "mknod-dev", dir.file("sda"), "b", "8", "0"});
  EXPECT_NE(disk.out.find("mknod-dev: ret=-1 errno=EPERM"), std::string::npos) << disk.out << disk.err;
  ProcessResult mem =
      run_process({kTollgate, "run", "--", kProbe, "mknod-dev", dir.file("mem"), "c", "1", "1"});
  EXPECT_NE(mem.out.find("mknod-dev: ret=-1 errno=EPERM"), std::string::npos) << mem.out << mem.err;
  ProcessResult nocap =
      run_process({kTollgate, "run", "--", "/usr/bin/setpriv", "--reuid=1000", "--regid=1000",
                   "--clear-groups", kProbe, "mknod-dev", dir.file("null"), "c", "1", "3"});
  EXPECT_NE(nocap.out.find("mknod-dev: ret=-1 errno=EPERM"), std::string::npos) << nocap.out << nocap.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("sda")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("mem")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("null")));
}

// ---- mount ----

// An ext4 image in the shipped policy's image directory, with a file owned by uid 1000; removed afterwards,
// with the directories it had to create (a host without tollgate installed has no /var/lib/tollgate).
class Ext4Image {
 public:
  explicit Ext4Image(const TempDir& dir) {
    path_ = kImages + "/test-" + std::to_string(getpid()) + "-" + std::to_string(counter_++) + ".img";
    // The file exists before anything else is done with it, so that another test's image, finishing at the
    // same moment, never finds the directory empty and removes it under this one.
    for (int attempt = 0; attempt < 3 && !std::filesystem::exists(path_); ++attempt) {
      for (const std::string& d : {kStateDir, kImages})
        if (std::filesystem::create_directory(d)) created_.insert(created_.begin(), d);
      const int fd = open(path_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
      if (fd >= 0) close(fd);
    }
    const std::string content = dir.file("content");
    std::filesystem::create_directory(content);
    write_file(content + "/hello", "hello from the image\n");
    chown((content + "/hello").c_str(), 1000, 1000);
    ProcessResult r = run_process({"/usr/bin/truncate", "-s", "16M", path_});
    ProcessResult m = run_process({"/usr/sbin/mkfs.ext4", "-q", "-d", content, path_});
    ok_ = r.status == 0 && m.status == 0;
  }
  ~Ext4Image() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
    // Only if empty: another test's image may be in it.
    for (const std::string& d : created_) std::filesystem::remove(d, ignored);
  }
  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }
  // Loop devices still bound to this image.
  std::string loops() const { return run_process({"/usr/sbin/losetup", "-j", path_}).out; }

 private:
  static inline const std::string kStateDir = "/var/lib/tollgate";
  static inline const std::string kImages = kStateDir + "/images";
  static inline int counter_ = 0;
  std::string path_;
  std::vector<std::string> created_;  // innermost first
  bool ok_ = false;
};

TEST(MountEmulation, RootlessExt4ImageMountsInsideOnlyWithForcedFlags) {
  TempDir dir;
  Ext4Image image(dir);
  ASSERT_TRUE(image.ok());
  const std::string mnt = dir.file("mnt");
  std::filesystem::create_directory(mnt);
  // Without tollgate the kernel refuses ext4 in a user namespace.
  ProcessResult native =
      run_process({"/usr/bin/unshare", "-Urm", "/bin/mount", "-o", "loop", image.path(), mnt});
  EXPECT_NE(native.status, 0) << native.out;
  EXPECT_TRUE(eventually([&] { return image.loops().empty(); }));

  const std::string script = "mount -o loop " + image.path() + " " + mnt + " && grep ' " + mnt +
                             " ' /proc/self/mountinfo && ls -ln " + mnt + " && cat " + mnt + "/hello";
  ProcessResult r = run_process(
      {kTollgate, "run", "--rootless", "--policy", kRootlessPolicy, "--", "/bin/sh", "-c", script});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("hello from the image"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nosuid,nodev"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("idmapped"), std::string::npos) << r.out;
  // Owners through the container's mapping: it maps only root (0 -> 0 here), so uid 1000 is unmapped.
  EXPECT_NE(r.out.find(" 65534 65534 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 0     0 "), std::string::npos) << r.out;  // lost+found, owned by root
  EXPECT_TRUE(host_mounts_under(mnt).empty());
  EXPECT_TRUE(eventually([&] { return image.loops().empty(); })) << image.loops();
}

TEST(MountEmulation, RefusalsMountNothingAnywhere) {
  TempDir dir;
  const std::string mnt = dir.file("mnt");
  std::filesystem::create_directory(mnt);
  std::filesystem::create_symlink("/etc", dir.file("to-etc"));
  const std::vector<std::vector<std::string>> refused = {
      {"mount-data", "none", mnt, "ramfs"},                      // fstype not in the policy
      {"mount-data", "none", "/var", "tmpfs"},                   // target outside the allowed globs
      {"mount-data", "none", dir.file("to-etc"), "tmpfs"},       // a symlink leading outside them
      {"mount-data", "none", mnt, "tmpfs", "0", "huge=always"},  // a data option not allowed
  };
  for (const auto& args : refused) {
    ProcessResult r =
        run_process(with({kTollgate, "run", "--rootless", "--policy", kRootlessPolicy, "--", kProbe}, args));
    EXPECT_NE(r.out.find("mount-data: ret=-1 errno=EPERM"), std::string::npos)
        << args[2] << " " << args[3] << ": " << r.out << r.err;
  }
  // A kernel failure comes back as the kernel's errno, not EPERM.
  ProcessResult missing = run_process({kTollgate, "run", "--rootless", "--policy", kRootlessPolicy, "--",
                                       kProbe, "mount-data", "none", dir.file("missing"), "tmpfs"});
  EXPECT_NE(missing.out.find("mount-data: ret=-1 errno=ENOENT"), std::string::npos)
      << missing.out << missing.err;
  // MS_MOVE (8192) and propagation changes are never emulated.
  ProcessResult move = run_process({kTollgate, "run", "--rootless", "--policy", kRootlessPolicy, "--", kProbe,
                                    "mount-data", "none", mnt, "tmpfs", "8192"});
  EXPECT_NE(move.out.find("errno=EPERM"), std::string::npos) << move.out;
  EXPECT_TRUE(host_mounts_under(dir.path().string()).empty());
  EXPECT_TRUE(host_mounts_under("/etc").empty());
}

TEST(MountEmulation, SymlinkEscapingAChrootedCallersRootIsRefused) {
  TempDir dir;
  // The caller lives in dir/root; its /mnt/link climbs out with "..", which must stay inside its root
  // (landing on its own /etc, which the policy does not allow), never reach the host's /etc.
  const std::string root = dir.file("root");
  std::filesystem::create_directories(root + "/mnt");
  std::filesystem::create_directories(root + "/etc");
  std::filesystem::create_symlink("../../../../../../../../etc", root + "/mnt/link");
  std::filesystem::copy_file(kStaticProbe, root + "/probe");
  write_file(dir.file("p.json"),
             policy_with_rules(R"([{"syscalls": ["mount"], "action": "emulate", "handler": "mount",
      "options": {"fstypes": {"tmpfs": []}, "targets": ["/mnt/*"]}}])"));
  ProcessResult r =
      run_process({kTollgate, "run", "--rootless", "--policy", dir.file("p.json"), "--", "/usr/sbin/chroot",
                   root, "/probe", "mount-data", "none", "/mnt/link", "tmpfs"});
  EXPECT_NE(r.out.find("mount-data: ret=-1 errno=EPERM"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("target not allowed"), std::string::npos) << r.err;
  EXPECT_TRUE(host_mounts_under("/etc").empty());
}

TEST(MountEmulation, CallerWithoutCapSysAdminIsRefused) {
  TempDir dir;
  const std::string mnt = dir.file("mnt");
  std::filesystem::create_directory(mnt);
  ProcessResult r = run_process({kTollgate, "run", "--rootless", "--policy", kRootlessPolicy, "--",
                                 "/usr/sbin/capsh", "--drop=cap_sys_admin", "--", "-c",
                                 "exec " + kProbe + " mount-data none " + mnt + " tmpfs"});
  EXPECT_NE(r.out.find("mount-data: ret=-1 errno=EPERM"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("lacks CAP_SYS_ADMIN"), std::string::npos) << r.err;
  // The same call with the capability succeeds.
  ProcessResult ok = run_process({kTollgate, "run", "--rootless", "--policy", kRootlessPolicy, "--", kProbe,
                                  "mount-data", "none", mnt, "tmpfs"});
  EXPECT_NE(ok.out.find("mount-data: ret=0 errno=0"), std::string::npos) << ok.out << ok.err;
  EXPECT_TRUE(host_mounts_under(mnt).empty());
}

// Workers keep a caller's namespaces between calls (caller_view.h): a later call from the same mount
// namespace but another root, or without the capability any more, must be judged on what it has then.
TEST(MountEmulation, ARootChangedBetweenCallsIsResolvedAfresh) {
  TempDir dir;
  const std::string root = dir.file("root");
  std::filesystem::create_directories(root + "/mnt");
  std::filesystem::create_directory(dir.file("mnt"));
  std::filesystem::copy_file(kStaticProbe, root + "/probe");
  write_file(dir.file("p.json"),
             policy_with_rules(R"([{"syscalls": ["mount"], "action": "emulate", "handler": "mount",
      "options": {"fstypes": {"tmpfs": []}, "targets": [")" + dir.file("mnt") + R"(", "/mnt"]}}])"));
  // First from the host's root (fills the worker's view), then from dir/root: "/mnt" is dir/root/mnt there.
  ProcessResult r = run_process(
      {kTollgate, "run", "-q", "--rootless", "--policy", dir.file("p.json"), "--", "/bin/sh", "-c",
       kProbe + " mount-data none " + dir.file("mnt") + " tmpfs && /usr/sbin/chroot " + root +
           " /probe mount-data none /mnt tmpfs && cat /proc/self/mountinfo"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" " + root + "/mnt "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(" /mnt "), std::string::npos) << "mounted in the first caller's root: " << r.out;
  EXPECT_TRUE(host_mounts_under(dir.path().string()).empty());
}

TEST(MountEmulation, ACapabilityDroppedBetweenCallsIsSeen) {
  TempDir dir;
  const std::string mnt = dir.file("mnt");
  std::filesystem::create_directory(mnt);
  ProcessResult r = run_process(
      {kTollgate, "run", "--rootless", "--policy", kRootlessPolicy, "--", "/bin/sh", "-c",
       kProbe + " mount-data none " + mnt + " tmpfs; /usr/sbin/capsh --drop=cap_sys_admin -- -c '" + kProbe +
           " mount-data none " + mnt + " tmpfs'"});
  EXPECT_NE(r.out.find("mount-data: ret=0 errno=0"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("mount-data: ret=-1 errno=EPERM"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("lacks CAP_SYS_ADMIN"), std::string::npos) << r.err;
  EXPECT_TRUE(host_mounts_under(mnt).empty());
}

TEST(MountEmulation, TargetPathRewrittenDuringTheCallNeverMountsElsewhere) {
  TempDir dir;
  std::filesystem::create_directory(dir.file("a"));
  std::filesystem::create_directory(dir.file("b"));
  write_file(dir.file("p.json"),
             policy_with_rules(R"([{"syscalls": ["mount"], "action": "emulate", "handler": "mount",
                                     "options": {"fstypes": {"tmpfs": []}, "targets": [")" +
                               dir.file("a") + R"("]}},
                                    {"syscalls": ["umount2"], "action": "emulate", "handler": "umount"}])"));
  // Not rootless: the mounts land in this test's namespace, where any at b would show.
  ProcessResult r = run_process({kTollgate, "run", "-q", "--policy", dir.file("p.json"), "--", kProbe,
                                 "mount-race", dir.file("a"), dir.file("b"), "1000"},
                                std::chrono::seconds(240));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("attempts=1000 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" wrong=0 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" left=0"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("mounted=0 "), std::string::npos)
      << "no attempt succeeded, the race proved nothing: " << r.out;
  EXPECT_TRUE(host_mounts_under(dir.path().string()).empty());
}

TEST(MountEmulation, RemountKeepsForcedFlagsAndUnmountIsLimitedToOwnMounts) {
  TempDir dir;
  const std::string mnt = dir.file("mnt");
  std::filesystem::create_directory(mnt);
  const std::string script = "mount -t tmpfs none " + mnt + " && mount -o remount,ro " + mnt + " && grep ' " +
                             mnt + " ' /proc/self/mountinfo && umount " + mnt +
                             " && echo unmounted; umount /proc; echo proc=$?";
  ProcessResult r = run_process(
      {kTollgate, "run", "--rootless", "--policy", kRootlessPolicy, "--", "/bin/sh", "-c", script});
  EXPECT_NE(r.out.find("ro,nosuid,nodev,noexec"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("unmounted"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("proc=32"), std::string::npos)
      << "unmounting what it did not mount: " << r.out << r.err;
  EXPECT_NE(r.err.find("did not make"), std::string::npos) << r.err;
}

TEST(MountEmulation, KilledCallerLeavesNoLoopDeviceAndTheDaemonKeepsServing) {
  TempDir dir;
  Ext4Image image(dir);
  ASSERT_TRUE(image.ok());
  SuperviseDaemon daemon(dir);
  const size_t baseline = stable_fd_count(daemon.pid());
  const std::string mnt = dir.file("mnt");
  std::filesystem::create_directory(mnt);
  for (int round = 0; round < 5; ++round) {
    // Mount and unmount an image in a loop; ext4 mounts take milliseconds, so the kill lands mid-emulation.
    // Fresh files per round: a stale one would name the previous round's shell.
    const std::string out = dir.file("out" + std::to_string(round)),
                      shell_file = dir.file("shell" + std::to_string(round));
    const std::string loop = "echo $$ > " + shell_file + "; while :; do " + kProbe + " mount-data " +
                             image.path() + " " + mnt + " ext4; " + kProbe + " umount2 " + mnt + "; done";
    BackgroundProcess target({kTollgate, "run", "-q", "--rootless", "--supervisor", daemon.socket(),
                              "--policy", kRootlessPolicy, "--", "/bin/sh", "-c", loop},
                             out, dir.file("err"));
    ASSERT_TRUE(eventually([&] { return read_file(out).find("mount-data: ret=0") != std::string::npos; }))
        << read_file(out) << read_file(dir.file("err"));
    // The target is the shell and the probe it runs, which is most likely inside an emulated mount now.
    const pid_t shell = std::stoi(read_file(shell_file));
    kill_tree(shell);
    EXPECT_TRUE(target.wait().has_value());
  }
  EXPECT_TRUE(eventually([&] { return image.loops().empty(); }, std::chrono::seconds(20))) << image.loops();
  EXPECT_TRUE(host_mounts_under(dir.path().string()).empty());
  // Still serving: a fresh target mounts at once.
  ProcessResult r =
      run_process({kTollgate, "run", "-q", "--rootless", "--supervisor", daemon.socket(), "--policy",
                   kRootlessPolicy, "--", kProbe, "mount-data", "none", mnt, "tmpfs"},
                  std::chrono::seconds(20));
  EXPECT_NE(r.out.find("mount-data: ret=0 errno=0"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(eventually([&] { return count_open_fds(daemon.pid()) == baseline; }))
      << count_open_fds(daemon.pid()) << " fds, baseline " << baseline;
}

TEST(MountEmulation, NewMountApiIsEnosysSoMountFallsBackToMount2) {
  TempDir dir;
  const std::string mnt = dir.file("mnt");
  std::filesystem::create_directory(mnt);
  ProcessResult api =
      run_process({kTollgate, "run", "--rootless", "--policy", kRootlessPolicy, "--", kProbe, "fsopen"});
  EXPECT_NE(api.out.find("fsopen: ret=-1 errno=ENOSYS"), std::string::npos) << api.out << api.err;
  ProcessResult tool = run_process({kTollgate, "run", "--rootless", "--policy", kRootlessPolicy, "--",
                                    "/bin/mount", "-t", "tmpfs", "-o", "size=1m", "none", mnt});
  EXPECT_EQ(tool.status, 0) << tool.err;
  EXPECT_NE(tool.err.find("mount(\"none\", \"" + mnt + "\", \"tmpfs\""), std::string::npos) << tool.err;
  EXPECT_TRUE(host_mounts_under(mnt).empty());
}

TEST(MountEmulation, ProcInTheCallersPidNamespaceShowsOnlyItsProcesses) {
  TempDir dir;
  const std::string mnt = dir.file("proc");
  std::filesystem::create_directory(mnt);
  const std::string script = "mount -t proc proc " + mnt + " && ls " + mnt +
                             " | grep -c '^[0-9]' && readlink " + mnt + "/self && grep ' " + mnt +
                             " ' /proc/self/mountinfo";
  ProcessResult r = run_process({kTollgate, "run", "--rootless", "--pidns", "--policy", kRootlessPolicy, "--",
                                 "/bin/sh", "-c", script});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  std::istringstream out(r.out);
  int processes = 0;
  std::string self;
  out >> processes >> self;
  EXPECT_GE(processes, 1);
  EXPECT_LE(processes, 4) << "the host's processes are visible: " << r.out;  // sh, ls, grep at most
  EXPECT_LT(std::stoi(self), 10) << "self is not a pid of the new namespace: " << r.out;
  EXPECT_NE(r.out.find("nosuid,nodev,noexec"), std::string::npos) << r.out;
  EXPECT_TRUE(host_mounts_under(mnt).empty());
}

// ---- run --rootless ----

TEST(Rootless, MapsTheInvokingUserToRootInNewNamespaces) {
  ProcessResult r =
      run_process({kTollgate, "run", "-q", "--rootless", "--pidns", "--netns", "--", "/bin/sh", "-c",
                   "id -u; cat /proc/self/uid_map; echo pid=$$; readlink /proc/self/ns/user"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, 2), "0\n") << r.out;
  EXPECT_NE(r.out.find("pid=1\n"), std::string::npos) << r.out;
  char ours[64] = {};
  ASSERT_GT(readlink("/proc/self/ns/user", ours, sizeof ours - 1), 0);
  EXPECT_EQ(r.out.find(ours), std::string::npos) << "same user namespace as the host: " << r.out;
}

TEST(Rootless, WorksForAnUnprivilegedUserAndMountEmulationFailsClosedThere) {
  TempDir dir;
  const std::string mnt = dir.file("mnt");
  std::filesystem::create_directory(mnt);
  chmod(dir.path().c_str(), 0755);
  // The embedded supervisor runs as that user too: it cannot join the caller's mount namespace, so it denies.
  ProcessResult r =
      run_process({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", kTollgate, "run",
                   "--rootless", "--policy", kRootlessPolicy, "--", "/bin/sh", "-c",
                   "id -u; cat /proc/self/uid_map; exec " + kProbe + " mount-data none " + mnt + " tmpfs"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, 2), "0\n") << r.out;
  EXPECT_NE(r.out.find("65534"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mount-data: ret=-1 errno=EPERM"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(host_mounts_under(mnt).empty());
}

// Runs `command` (a shell command line) as nobody, in a private mount namespace whose /etc/subuid and
// /etc/subgid say what `subuid` and `subgid` say: the host's files are never touched.
ProcessResult run_as_nobody_with_subids(const TempDir& dir, const std::string& subuid, const std::string& subgid,
                                        const std::string& command) {
  write_file(dir.file("subuid"), subuid);
  write_file(dir.file("subgid"), subgid);
  std::filesystem::create_directories(dir.file("etc-up"));
  std::filesystem::create_directories(dir.file("etc-work"));
  const std::string d = dir.path().string();
  const std::string setup =
      "set -e; if [ -e /etc/subuid ] && [ -e /etc/subgid ]; then "
      "mount --bind " + d + "/subuid /etc/subuid; mount --bind " + d + "/subgid /etc/subgid; else "
      "mount -t overlay overlay -o lowerdir=/etc,upperdir=" + d + "/etc-up,workdir=" + d + "/etc-work /etc; "
      "cp " + d + "/subuid " + d + "/subgid /etc/; fi; ";
  return run_process({"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                      setup + "exec /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups " + command});
}

// The lines of an id map file, with the kernel's column padding squeezed to single spaces.
std::string squeezed(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  for (std::string word; in >> word;) out += (out.empty() ? "" : " ") + word;
  return out;
}

TEST(Rootless, AnUnprivilegedUserGetsItsSubordinateIdsThroughNewuidmap) {
  TempDir dir;
  chmod(dir.path().c_str(), 0755);
  const std::string shared = dir.file("shared");
  std::filesystem::create_directory(shared);
  chmod(shared.c_str(), 0777);
  ProcessResult r = run_as_nobody_with_subids(
      dir, "nobody:200000:65536\n", "nobody:300000:65536\n",
      kTollgate + " run --rootless -- /bin/sh -c 'cat /proc/self/uid_map /proc/self/gid_map; touch " + shared +
          "/f && chown 1000:1000 " + shared + "/f && echo chowned'");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(squeezed(r.out).find("0 65534 1 1 200000 65536 0 65534 1 1 300000 65536"), std::string::npos)
      << r.out << r.err;
  EXPECT_NE(r.out.find("chowned"), std::string::npos) << r.out << r.err;
  // uid 1000 inside is the 1000th subordinate id outside (inside 1 is 200000).
  struct stat st {};
  ASSERT_EQ(stat((shared + "/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 200999u);
  EXPECT_EQ(st.st_gid, 300999u);
  EXPECT_EQ(r.err.find("only uid"), std::string::npos) << r.err;
}

TEST(Rootless, WithoutSubordinateGidsOnlyTheUserIsMappedAndTheNoticeSaysWhy) {
  TempDir dir;
  chmod(dir.path().c_str(), 0755);
  ProcessResult r = run_as_nobody_with_subids(dir, "nobody:200000:65536\n", "someoneelse:300000:65536\n",
                                              kTollgate + " run --rootless -- /bin/cat /proc/self/uid_map");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(squeezed(r.out), "0 65534 1") << r.out;
  EXPECT_NE(r.err.find("only uid 65534 and gid 65534 are mapped (no range for nobody in /etc/subgid)"),
            std::string::npos)
      << r.err;
}

// A rootless user's calls reach a root daemon that lets that user in: its mounts are emulated, under the
// daemon's policy, never under the one the user sent.
TEST(Rootless, AnAllowedUserHandsOverToARootDaemonThatDecidesUnderItsOwnPolicy) {
  TempDir dir;
  chmod(dir.path().c_str(), 0755);
  const std::string mnt = dir.file("mnt"), mnt2 = dir.file("mnt2");
  std::filesystem::create_directory(mnt);
  std::filesystem::create_directory(mnt2);
  SuperviseDaemon daemon(dir, true, {"--allow-uid", "nobody", "--default-policy", "rootless-mount"});
  // The user's own policy notifies mount and would emulate ramfs too; the daemon's rootless-mount does not.
  write_file(dir.file("mine.json"),
             policy_with_rules(R"([{"syscalls": ["mount"], "action": "emulate", "handler": "mount",
      "options": {"fstypes": {"tmpfs": [], "ramfs": []}, "targets": ["/**"]}}])"));
  ProcessResult r = run_process(
      {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", kTollgate, "run", "--rootless",
       "--supervisor", daemon.socket(), "--policy", dir.file("mine.json"), "--", "/bin/sh", "-c",
       kProbe + " mount-data none " + mnt + " tmpfs; " + kProbe + " mount-data none " + mnt2 +
           " ramfs; grep " + dir.path().string() + " /proc/self/mountinfo"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("mount-data: ret=0 errno=0"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("mount-data: ret=-1 errno=EPERM"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find(mnt + " rw,nosuid,nodev"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(mnt2 + " "), std::string::npos) << r.out;
  EXPECT_TRUE(host_mounts_under(dir.path().string()).empty());
  ASSERT_TRUE(eventually([&] { return read_file(daemon.events()).find("ramfs") != std::string::npos; }));
  const std::string events = read_file(daemon.events());
  EXPECT_NE(events.find("rootless-mount"), std::string::npos) << events;
  EXPECT_EQ(events.find("mine.json"), std::string::npos) << events;
  EXPECT_NE(events.find("file system type not allowed"), std::string::npos) << events;
}

// The whole rootless story for a user: subordinate ids from /etc/subuid, a root daemon that lets the user
// in, and an ext4 image whose uid-1000 files show as uid 1000 inside (idmapped through the container's
// user namespace), with nothing mounted on the host and no loop device left.
TEST(Rootless, AUsersContainerMountsAnImageThroughARootDaemonAndSeesItsOwners) {
  TempDir dir;
  chmod(dir.path().c_str(), 0755);
  Ext4Image image(dir);
  ASSERT_TRUE(image.ok());
  const std::string mnt = dir.file("mnt");
  std::filesystem::create_directory(mnt);
  SuperviseDaemon daemon(dir, true, {"--allow-uid", "nobody", "--default-policy", "rootless-mount"});
  ProcessResult r = run_as_nobody_with_subids(
      dir, "nobody:200000:65536\n", "nobody:300000:65536\n",
      kTollgate + " run -q --rootless --supervisor " + daemon.socket() + " --policy " + kRootlessPolicy +
          " -- /bin/sh -c '" + kProbe + " mount-data " + image.path() + " " + mnt + " ext4 && ls -ln " + mnt +
          " && cat " + mnt + "/hello'");
  EXPECT_EQ(r.status, 0) << r.out << r.err << daemon.stderr_text();
  EXPECT_NE(r.out.find("mount-data: ret=0 errno=0"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("hello from the image"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 1000 1000 "), std::string::npos) << r.out;  // hello, owned by 1000 on disk
  EXPECT_TRUE(host_mounts_under(mnt).empty());
  EXPECT_TRUE(eventually([&] { return image.loops().empty(); }, std::chrono::seconds(20))) << image.loops();
}

}  // namespace
}  // namespace tollgate::testing
