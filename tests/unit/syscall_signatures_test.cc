#include "core/syscall_signatures.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/reboot.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>

namespace tollgate {
namespace {

// Every syscall the table decodes. The API does not expose the table itself, so TableMatchesThisList
// keeps this list honest by scanning all native syscall numbers.
constexpr std::string_view kDecoded[] = {
    "access",        "acct",
    "adjtimex",      "bind",
    "bpf",           "chdir",
    "chmod",         "chown",
    "chroot",        "clock_adjtime",
    "clock_settime", "clone",
    "clone3",        "close",
    "connect",       "creat",
    "delete_module", "execve",
    "execveat",      "faccessat",
    "faccessat2",    "fchdir",
    "fchmod",        "fchmodat",
    "fchown",        "fchownat",
    "fgetxattr",     "finit_module",
    "flistxattr",    "fremovexattr",
    "fsconfig",      "fsetxattr",
    "fsmount",       "fsopen",
    "fspick",        "fstat",
    "getpid",        "getppid",
    "getxattr",      "init_module",
    "ioctl",         "ioperm",
    "iopl",          "kexec_file_load",
    "kexec_load",    "keyctl",
    "kill",          "lchown",
    "lgetxattr",     "link",
    "linkat",        "listxattr",
    "llistxattr",    "lremovexattr",
    "lsetxattr",     "lstat",
    "mkdir",         "mkdirat",
    "mknod",         "mknodat",
    "mount",         "mount_setattr",
    "move_mount",    "newfstatat",
    "open",          "open_by_handle_at",
    "open_tree",     "openat",
    "openat2",       "perf_event_open",
    "personality",   "pivot_root",
    "prctl",         "ptrace",
    "quotactl",      "read",
    "readlink",      "readlinkat",
    "reboot",        "removexattr",
    "rename",        "renameat",
    "renameat2",     "rmdir",
    "seccomp",       "setdomainname",
    "sethostname",   "setns",
    "settimeofday",  "setxattr",
    "socket",        "socketpair",
    "stat",          "statx",
    "swapoff",       "swapon",
    "symlink",       "symlinkat",
    "tgkill",        "truncate",
    "umount2",       "unlink",
    "unlinkat",      "unshare",
    "write",
};

TEST(SyscallSignaturesTest, ListIsSortedAndUnique) {
  for (size_t i = 1; i < std::size(kDecoded); ++i) {
    EXPECT_LT(kDecoded[i - 1], kDecoded[i]) << "at index " << i;
  }
}

TEST(SyscallSignaturesTest, EveryListedSyscallIsFound) {
  for (std::string_view name : kDecoded) {
    const SyscallSignature* sig = find_syscall_signature(name);
    ASSERT_NE(sig, nullptr) << name;
    EXPECT_EQ(sig->name, name);
  }
}

TEST(SyscallSignaturesTest, ListedNamesAreKnownToLibseccomp) {
  for (std::string_view name : kDecoded) {
    std::string n(name);
    EXPECT_NE(seccomp_syscall_resolve_name(n.c_str()), __NR_SCMP_ERROR) << n;
  }
}

// Every native syscall that has a signature must be in kDecoded and vice versa. Because lookup is a
// binary search, an out-of-order table entry would also show up here as a missing name.
TEST(SyscallSignaturesTest, TableMatchesThisList) {
  std::set<std::string> found;
  for (int nr = 0; nr < 1024; ++nr) {
    std::unique_ptr<char, decltype(&free)> name(seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr),
                                                &free);
    if (name && find_syscall_signature(name.get()) != nullptr) found.insert(name.get());
  }
  EXPECT_EQ(found, std::set<std::string>(std::begin(kDecoded), std::end(kDecoded)));
}

TEST(SyscallSignaturesTest, UnknownNamesAreNull) {
  EXPECT_EQ(find_syscall_signature(""), nullptr);
  EXPECT_EQ(find_syscall_signature("no_such_syscall"), nullptr);
  EXPECT_EQ(find_syscall_signature("moun"), nullptr);
  EXPECT_EQ(find_syscall_signature("zzzz"), nullptr);
  EXPECT_EQ(find_syscall_signature("MOUNT"), nullptr);
}

TEST(SyscallSignaturesTest, SignaturesAreWellFormed) {
  for (std::string_view name : kDecoded) {
    const SyscallSignature* sig = find_syscall_signature(name);
    ASSERT_NE(sig, nullptr) << name;
    ASSERT_LE(sig->arg_count, 6) << name;
    for (size_t i = 0; i < 6; ++i) {
      EXPECT_EQ(sig->arg_names[i].empty(), i >= sig->arg_count) << name << " arg " << i;
    }
  }
}

TEST(SyscallSignaturesTest, MountLayout) {
  const SyscallSignature* sig = find_syscall_signature("mount");
  ASSERT_NE(sig, nullptr);
  ASSERT_EQ(sig->arg_count, 5);
  EXPECT_EQ(sig->args[0], ArgKind::Path);
  EXPECT_EQ(sig->args[1], ArgKind::Path);
  EXPECT_EQ(sig->args[2], ArgKind::String);
  EXPECT_EQ(sig->args[3], ArgKind::MountFlags);
  EXPECT_EQ(sig->args[4], ArgKind::String);
  EXPECT_EQ(sig->arg_names[0], "source");
  EXPECT_EQ(sig->arg_names[1], "target");
  EXPECT_EQ(sig->arg_names[3], "flags");
}

TEST(SyscallSignaturesTest, OtherLayouts) {
  const SyscallSignature* openat = find_syscall_signature("openat");
  ASSERT_NE(openat, nullptr);
  EXPECT_EQ(openat->arg_count, 4);
  EXPECT_EQ(openat->args[0], ArgKind::Fd);
  EXPECT_EQ(openat->args[1], ArgKind::Path);
  EXPECT_EQ(openat->args[2], ArgKind::OpenFlags);
  EXPECT_EQ(openat->args[3], ArgKind::Mode);

  const SyscallSignature* mknodat = find_syscall_signature("mknodat");
  ASSERT_NE(mknodat, nullptr);
  EXPECT_EQ(mknodat->args[2], ArgKind::Mode);
  EXPECT_EQ(mknodat->args[3], ArgKind::Dev);

  const SyscallSignature* getpid = find_syscall_signature("getpid");
  ASSERT_NE(getpid, nullptr);
  EXPECT_EQ(getpid->arg_count, 0);

  // x86_64 clone: flags, stack, parent_tid, child_tid, tls.
  const SyscallSignature* clone = find_syscall_signature("clone");
  ASSERT_NE(clone, nullptr);
  EXPECT_EQ(clone->arg_count, 5);
  EXPECT_EQ(clone->args[0], ArgKind::CloneFlags);
  EXPECT_EQ(clone->arg_names[3], "child_tid");
}

TEST(SyscallSignaturesTest, PointerKinds) {
  EXPECT_TRUE(is_pointer_kind(ArgKind::Path));
  EXPECT_TRUE(is_pointer_kind(ArgKind::String));
  EXPECT_TRUE(is_pointer_kind(ArgKind::Pointer));
  EXPECT_FALSE(is_pointer_kind(ArgKind::Fd));
  EXPECT_FALSE(is_pointer_kind(ArgKind::Hex));
}

TEST(FormatArgTest, Numbers) {
  EXPECT_EQ(format_arg(ArgKind::Int, 42), "42");
  EXPECT_EQ(format_arg(ArgKind::Int, static_cast<uint64_t>(-1)), "-1");
  EXPECT_EQ(format_arg(ArgKind::Int, 0xffffffffULL), "-1");  // zero-extended int
  EXPECT_EQ(format_arg(ArgKind::Unsigned, 4096), "4096");
  EXPECT_EQ(format_arg(ArgKind::Unsigned, 0x100000000ULL), "4294967296");
  EXPECT_EQ(format_arg(ArgKind::Hex, 0), "0");
  EXPECT_EQ(format_arg(ArgKind::Hex, 0xdeadbeef), "0xdeadbeef");
}

TEST(FormatArgTest, Fd) {
  EXPECT_EQ(format_arg(ArgKind::Fd, static_cast<uint64_t>(-100)), "AT_FDCWD");
  EXPECT_EQ(format_arg(ArgKind::Fd, 0xffffff9cULL), "AT_FDCWD");
  EXPECT_EQ(format_arg(ArgKind::Fd, 3), "3");
  EXPECT_EQ(format_arg(ArgKind::Fd, static_cast<uint64_t>(-1)), "-1");
}

TEST(FormatArgTest, Pointers) {
  for (ArgKind k : {ArgKind::Path, ArgKind::String, ArgKind::Pointer}) {
    EXPECT_EQ(format_arg(k, 0), "NULL");
    EXPECT_EQ(format_arg(k, 0x7ffd1234), "0x7ffd1234");
  }
  EXPECT_EQ(format_arg(ArgKind::Pointer, 0x7fffffffe000ULL), "0x7fffffffe000");
}

TEST(FormatArgTest, MountFlags) {
  EXPECT_EQ(format_arg(ArgKind::MountFlags, MS_NOSUID | MS_NODEV), "MS_NOSUID|MS_NODEV");
  EXPECT_EQ(format_arg(ArgKind::MountFlags, MS_BIND | MS_REC), "MS_BIND|MS_REC");
  EXPECT_EQ(format_arg(ArgKind::MountFlags, MS_NOSUID | 0x40000000), "MS_NOSUID|0x40000000");
  EXPECT_EQ(format_arg(ArgKind::MountFlags, MS_MGC_VAL | MS_RDONLY), "MS_MGC_VAL|MS_RDONLY");
  EXPECT_EQ(format_arg(ArgKind::MountFlags, 0), "0");
}

TEST(FormatArgTest, UmountFlags) {
  EXPECT_EQ(format_arg(ArgKind::UmountFlags, MNT_DETACH), "MNT_DETACH");
  EXPECT_EQ(format_arg(ArgKind::UmountFlags, MNT_FORCE | UMOUNT_NOFOLLOW), "MNT_FORCE|UMOUNT_NOFOLLOW");
}

TEST(FormatArgTest, OpenFlags) {
  EXPECT_EQ(format_arg(ArgKind::OpenFlags, O_RDONLY), "O_RDONLY");
  EXPECT_EQ(format_arg(ArgKind::OpenFlags, O_WRONLY | O_CREAT | O_CLOEXEC), "O_WRONLY|O_CREAT|O_CLOEXEC");
  EXPECT_EQ(format_arg(ArgKind::OpenFlags, O_RDONLY | O_CLOEXEC), "O_RDONLY|O_CLOEXEC");
  // Composite flags win over the bits they contain.
  EXPECT_EQ(format_arg(ArgKind::OpenFlags, O_RDWR | O_TMPFILE), "O_RDWR|O_TMPFILE");
  EXPECT_EQ(format_arg(ArgKind::OpenFlags, O_RDONLY | O_DIRECTORY), "O_RDONLY|O_DIRECTORY");
  EXPECT_EQ(format_arg(ArgKind::OpenFlags, O_WRONLY | O_SYNC), "O_WRONLY|O_SYNC");
  EXPECT_EQ(format_arg(ArgKind::OpenFlags, O_WRONLY | O_DSYNC), "O_WRONLY|O_DSYNC");
  // The kernel ignores the upper half of an int argument.
  EXPECT_EQ(format_arg(ArgKind::OpenFlags, 0xffffffff00000000ULL | O_RDWR), "O_RDWR");
}

TEST(FormatArgTest, AtFlagsAndStatx) {
  EXPECT_EQ(format_arg(ArgKind::AtFlags, 0), "0");
  EXPECT_EQ(format_arg(ArgKind::AtFlags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH),
            "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH");
  EXPECT_EQ(format_arg(ArgKind::AtFlags, AT_REMOVEDIR), "AT_REMOVEDIR");
  EXPECT_EQ(format_arg(ArgKind::StatxMask, STATX_BASIC_STATS | STATX_BTIME), "STATX_BASIC_STATS|STATX_BTIME");
  EXPECT_EQ(format_arg(ArgKind::StatxMask, STATX_TYPE | STATX_MODE), "STATX_TYPE|STATX_MODE");
}

TEST(FormatArgTest, Sockets) {
  EXPECT_EQ(format_arg(ArgKind::SocketFamily, AF_INET), "AF_INET");
  EXPECT_EQ(format_arg(ArgKind::SocketFamily, AF_UNIX), "AF_UNIX");
  EXPECT_EQ(format_arg(ArgKind::SocketFamily, AF_NETLINK), "AF_NETLINK");
  EXPECT_EQ(format_arg(ArgKind::SocketFamily, 9999), "9999");
  EXPECT_EQ(format_arg(ArgKind::SocketType, SOCK_STREAM | SOCK_CLOEXEC), "SOCK_STREAM|SOCK_CLOEXEC");
  EXPECT_EQ(format_arg(ArgKind::SocketType, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC),
            "SOCK_DGRAM|SOCK_NONBLOCK|SOCK_CLOEXEC");
  EXPECT_EQ(format_arg(ArgKind::SocketType, SOCK_RAW), "SOCK_RAW");
}

TEST(FormatArgTest, CloneFlags) {
  EXPECT_EQ(format_arg(ArgKind::CloneFlags, CLONE_NEWNS | CLONE_NEWUSER), "CLONE_NEWNS|CLONE_NEWUSER");
  EXPECT_EQ(format_arg(ArgKind::CloneFlags, CLONE_VM | CLONE_FS | SIGCHLD), "CLONE_VM|CLONE_FS|SIGCHLD");
  EXPECT_EQ(format_arg(ArgKind::CloneFlags, SIGCHLD), "SIGCHLD");
  EXPECT_EQ(format_arg(ArgKind::CloneFlags, CLONE_NEWTIME), "CLONE_NEWTIME");
  EXPECT_EQ(format_arg(ArgKind::CloneFlags, 0), "0");
}

TEST(FormatArgTest, Prctl) {
  EXPECT_EQ(format_arg(ArgKind::PrctlOption, PR_SET_NAME), "PR_SET_NAME");
  EXPECT_EQ(format_arg(ArgKind::PrctlOption, PR_SET_NO_NEW_PRIVS), "PR_SET_NO_NEW_PRIVS");
  EXPECT_EQ(format_arg(ArgKind::PrctlOption, 12345), "12345");
}

TEST(FormatArgTest, ModeAndDev) {
  EXPECT_EQ(format_arg(ArgKind::Mode, S_IFCHR | 0666), "S_IFCHR|0666");
  EXPECT_EQ(format_arg(ArgKind::Mode, S_IFDIR | 0755), "S_IFDIR|0755");
  EXPECT_EQ(format_arg(ArgKind::Mode, 0644), "0644");
  EXPECT_EQ(format_arg(ArgKind::Mode, 04755), "04755");
  EXPECT_EQ(format_arg(ArgKind::Mode, 0), "0");
  EXPECT_EQ(format_arg(ArgKind::Dev, makedev(1, 3)), "makedev(1, 3)");
  EXPECT_EQ(format_arg(ArgKind::Dev, makedev(259, 65536)), "makedev(259, 65536)");
  EXPECT_EQ(format_arg(ArgKind::Dev, 0), "makedev(0, 0)");
}

TEST(FormatArgTest, Enums) {
  EXPECT_EQ(format_arg(ArgKind::ClockId, CLOCK_REALTIME), "CLOCK_REALTIME");
  EXPECT_EQ(format_arg(ArgKind::ClockId, CLOCK_MONOTONIC), "CLOCK_MONOTONIC");
  EXPECT_EQ(format_arg(ArgKind::ClockId, CLOCK_TAI), "CLOCK_TAI");
  EXPECT_EQ(format_arg(ArgKind::RebootCmd, LINUX_REBOOT_CMD_POWER_OFF), "LINUX_REBOOT_CMD_POWER_OFF");
  EXPECT_EQ(format_arg(ArgKind::RebootCmd, 0x12345678), "0x12345678");
  EXPECT_EQ(format_arg(ArgKind::SeccompOp, SECCOMP_SET_MODE_FILTER), "SECCOMP_SET_MODE_FILTER");
  EXPECT_EQ(format_arg(ArgKind::SeccompFlags, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_NEW_LISTENER),
            "SECCOMP_FILTER_FLAG_TSYNC|SECCOMP_FILTER_FLAG_NEW_LISTENER");
  EXPECT_EQ(format_arg(ArgKind::IoctlRequest, TIOCSTI), "TIOCSTI");
  EXPECT_EQ(format_arg(ArgKind::IoctlRequest, 0x1234), "0x1234");
}

TEST(FormatArgTest, Signals) {
  EXPECT_EQ(format_arg(ArgKind::Signal, SIGKILL), "SIGKILL");
  EXPECT_EQ(format_arg(ArgKind::Signal, SIGSYS), "SIGSYS");
  EXPECT_EQ(format_arg(ArgKind::Signal, 0), "0");
  EXPECT_EQ(format_arg(ArgKind::Signal, 32), "SIGRTMIN");
  EXPECT_EQ(format_arg(ArgKind::Signal, 34), "SIGRTMIN+2");
  EXPECT_EQ(format_arg(ArgKind::Signal, 200), "200");
}

TEST(QuoteStringTest, PlainAndEmpty) {
  EXPECT_EQ(quote_string("/mnt"), "\"/mnt\"");
  EXPECT_EQ(quote_string(""), "\"\"");
}

TEST(QuoteStringTest, Escapes) {
  EXPECT_EQ(quote_string("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(quote_string("x\ny\tz\r"), R"("x\ny\tz\r")");
  EXPECT_EQ(quote_string("\x1b[31m"), R"("\033[31m")");
  EXPECT_EQ(quote_string("\xff"), R"("\377")");
  EXPECT_EQ(quote_string(std::string_view("a\0b", 3)), R"("a\000b")");
}

TEST(QuoteStringTest, Truncates) {
  EXPECT_EQ(quote_string("abcdef", 3), "\"abc\"...");
  EXPECT_EQ(quote_string("abc", 3), "\"abc\"");
  EXPECT_EQ(quote_string("abc", 0), "\"\"...");
  std::string long_input(300, 'x');
  EXPECT_EQ(quote_string(long_input), "\"" + std::string(256, 'x') + "\"...");
}

}  // namespace
}  // namespace tollgate
