#include "core/syscall_signatures.h"

#include <fcntl.h>
#include <linux/reboot.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <span>

namespace tollgate {
namespace {

using enum ArgKind;

// ---------------------------------------------------------------------------------------------
// The signature table. Layouts are the x86_64 kernel entry points, which is what seccomp reports;
// they differ from the libc prototypes in places (clone's argument order, faccessat and fchmodat
// having no flags argument).

struct Arg {
  ArgKind kind;
  std::string_view name;
};

// Derives arg_count from the list so the two cannot disagree; more than six arguments fails to
// compile because array::at throws during constant evaluation.
constexpr SyscallSignature sys(std::string_view name, std::initializer_list<Arg> args) {
  SyscallSignature s{name, static_cast<uint8_t>(args.size()), {}, {}};
  size_t i = 0;
  for (const Arg& a : args) {
    s.args.at(i) = a.kind;
    s.arg_names.at(i) = a.name;
    ++i;
  }
  return s;
}

// clang-format off
constexpr SyscallSignature kSignatures[] = {
    sys("access", {{Path, "pathname"}, {Int, "mode"}}),
    sys("acct", {{Path, "filename"}}),
    sys("adjtimex", {{Pointer, "buf"}}),
    sys("bind", {{Fd, "sockfd"}, {Pointer, "addr"}, {Unsigned, "addrlen"}}),
    sys("bpf", {{Int, "cmd"}, {Pointer, "attr"}, {Unsigned, "size"}}),
    sys("chdir", {{Path, "path"}}),
    sys("chmod", {{Path, "pathname"}, {Mode, "mode"}}),
    sys("chown", {{Path, "pathname"}, {Int, "owner"}, {Int, "group"}}),
    sys("chroot", {{Path, "path"}}),
    sys("clock_adjtime", {{ClockId, "clk_id"}, {Pointer, "buf"}}),
    sys("clock_settime", {{ClockId, "clk_id"}, {Pointer, "tp"}}),
    sys("clone", {{CloneFlags, "flags"}, {Pointer, "stack"}, {Pointer, "parent_tid"}, {Pointer, "child_tid"},
                  {Pointer, "tls"}}),
    // The flags live inside struct clone_args, which the caller would have to read separately.
    sys("clone3", {{Pointer, "cl_args"}, {Unsigned, "size"}}),
    sys("close", {{Fd, "fd"}}),
    sys("connect", {{Fd, "sockfd"}, {Pointer, "addr"}, {Unsigned, "addrlen"}}),
    sys("creat", {{Path, "pathname"}, {Mode, "mode"}}),
    sys("delete_module", {{String, "name"}, {Hex, "flags"}}),
    sys("execve", {{Path, "pathname"}, {Pointer, "argv"}, {Pointer, "envp"}}),
    sys("execveat", {{Fd, "dirfd"}, {Path, "pathname"}, {Pointer, "argv"}, {Pointer, "envp"},
                     {AtFlags, "flags"}}),
    sys("faccessat", {{Fd, "dirfd"}, {Path, "pathname"}, {Int, "mode"}}),
    // Hex, not AtFlags: here 0x200 means AT_EACCESS, which AtFlags would print as AT_REMOVEDIR.
    sys("faccessat2", {{Fd, "dirfd"}, {Path, "pathname"}, {Int, "mode"}, {Hex, "flags"}}),
    sys("fchdir", {{Fd, "fd"}}),
    sys("fchmod", {{Fd, "fd"}, {Mode, "mode"}}),
    sys("fchmodat", {{Fd, "dirfd"}, {Path, "pathname"}, {Mode, "mode"}}),
    sys("fchown", {{Fd, "fd"}, {Int, "owner"}, {Int, "group"}}),
    sys("fchownat", {{Fd, "dirfd"}, {Path, "pathname"}, {Int, "owner"}, {Int, "group"}, {AtFlags, "flags"}}),
    sys("fgetxattr", {{Fd, "fd"}, {String, "name"}, {Pointer, "value"}, {Unsigned, "size"}}),
    sys("finit_module", {{Fd, "fd"}, {String, "param_values"}, {Hex, "flags"}}),
    sys("flistxattr", {{Fd, "fd"}, {Pointer, "list"}, {Unsigned, "size"}}),
    sys("fremovexattr", {{Fd, "fd"}, {String, "name"}}),
    sys("fsconfig", {{Fd, "fd"}, {Int, "cmd"}, {String, "key"}, {Pointer, "value"}, {Int, "aux"}}),
    sys("fsetxattr", {{Fd, "fd"}, {String, "name"}, {Pointer, "value"}, {Unsigned, "size"}, {Hex, "flags"}}),
    sys("fsmount", {{Fd, "fs_fd"}, {Hex, "flags"}, {Hex, "attr_flags"}}),
    sys("fsopen", {{String, "fsname"}, {Hex, "flags"}}),
    sys("fspick", {{Fd, "dirfd"}, {Path, "pathname"}, {Hex, "flags"}}),
    sys("fstat", {{Fd, "fd"}, {Pointer, "statbuf"}}),
    sys("getpid", {}),
    sys("getppid", {}),
    sys("getxattr", {{Path, "pathname"}, {String, "name"}, {Pointer, "value"}, {Unsigned, "size"}}),
    sys("init_module", {{Pointer, "module_image"}, {Unsigned, "len"}, {String, "param_values"}}),
    sys("ioctl", {{Fd, "fd"}, {IoctlRequest, "request"}, {Hex, "arg"}}),
    sys("ioperm", {{Hex, "from"}, {Unsigned, "num"}, {Int, "turn_on"}}),
    sys("iopl", {{Int, "level"}}),
    sys("kexec_file_load", {{Fd, "kernel_fd"}, {Fd, "initrd_fd"}, {Unsigned, "cmdline_len"}, {String, "cmdline"},
                            {Hex, "flags"}}),
    sys("kexec_load", {{Hex, "entry"}, {Unsigned, "nr_segments"}, {Pointer, "segments"}, {Hex, "flags"}}),
    sys("keyctl", {{Int, "operation"}, {Hex, "arg2"}, {Hex, "arg3"}, {Hex, "arg4"}, {Hex, "arg5"}}),
    sys("kill", {{Int, "pid"}, {Signal, "sig"}}),
    sys("lchown", {{Path, "pathname"}, {Int, "owner"}, {Int, "group"}}),
    sys("lgetxattr", {{Path, "pathname"}, {String, "name"}, {Pointer, "value"}, {Unsigned, "size"}}),
    sys("link", {{Path, "oldpath"}, {Path, "newpath"}}),
    sys("linkat", {{Fd, "olddirfd"}, {Path, "oldpath"}, {Fd, "newdirfd"}, {Path, "newpath"}, {AtFlags, "flags"}}),
    sys("listxattr", {{Path, "pathname"}, {Pointer, "list"}, {Unsigned, "size"}}),
    sys("llistxattr", {{Path, "pathname"}, {Pointer, "list"}, {Unsigned, "size"}}),
    sys("lremovexattr", {{Path, "pathname"}, {String, "name"}}),
    sys("lsetxattr", {{Path, "pathname"}, {String, "name"}, {Pointer, "value"}, {Unsigned, "size"},
                      {Hex, "flags"}}),
    sys("lstat", {{Path, "pathname"}, {Pointer, "statbuf"}}),
    sys("mkdir", {{Path, "pathname"}, {Mode, "mode"}}),
    sys("mkdirat", {{Fd, "dirfd"}, {Path, "pathname"}, {Mode, "mode"}}),
    sys("mknod", {{Path, "pathname"}, {Mode, "mode"}, {Dev, "dev"}}),
    sys("mknodat", {{Fd, "dirfd"}, {Path, "pathname"}, {Mode, "mode"}, {Dev, "dev"}}),
    // source is a device or bind-mount source, so Path; for pseudo file systems it is just a label.
    sys("mount", {{Path, "source"}, {Path, "target"}, {String, "fstype"}, {MountFlags, "flags"},
                  {String, "data"}}),
    sys("mount_setattr", {{Fd, "dirfd"}, {Path, "pathname"}, {AtFlags, "flags"}, {Pointer, "attr"},
                          {Unsigned, "size"}}),
    sys("move_mount", {{Fd, "from_dirfd"}, {Path, "from_pathname"}, {Fd, "to_dirfd"}, {Path, "to_pathname"},
                       {Hex, "flags"}}),
    sys("newfstatat", {{Fd, "dirfd"}, {Path, "pathname"}, {Pointer, "statbuf"}, {AtFlags, "flags"}}),
    sys("open", {{Path, "pathname"}, {OpenFlags, "flags"}, {Mode, "mode"}}),
    sys("open_by_handle_at", {{Fd, "mount_fd"}, {Pointer, "handle"}, {OpenFlags, "flags"}}),
    // OPEN_TREE_CLONE shares this word with AT_* bits and shows up as leftover hex.
    sys("open_tree", {{Fd, "dirfd"}, {Path, "pathname"}, {AtFlags, "flags"}}),
    sys("openat", {{Fd, "dirfd"}, {Path, "pathname"}, {OpenFlags, "flags"}, {Mode, "mode"}}),
    sys("openat2", {{Fd, "dirfd"}, {Path, "pathname"}, {Pointer, "how"}, {Unsigned, "size"}}),
    sys("perf_event_open", {{Pointer, "attr"}, {Int, "pid"}, {Int, "cpu"}, {Fd, "group_fd"}, {Hex, "flags"}}),
    sys("personality", {{Hex, "persona"}}),
    sys("pivot_root", {{Path, "new_root"}, {Path, "put_old"}}),
    // Whether arg2..arg5 are pointers depends on the option, so they stay hex.
    sys("prctl", {{PrctlOption, "option"}, {Hex, "arg2"}, {Hex, "arg3"}, {Hex, "arg4"}, {Hex, "arg5"}}),
    sys("ptrace", {{Int, "request"}, {Int, "pid"}, {Pointer, "addr"}, {Hex, "data"}}),
    sys("quotactl", {{Hex, "cmd"}, {Path, "special"}, {Int, "id"}, {Pointer, "addr"}}),
    sys("read", {{Fd, "fd"}, {Pointer, "buf"}, {Unsigned, "count"}}),
    sys("readlink", {{Path, "pathname"}, {Pointer, "buf"}, {Unsigned, "bufsiz"}}),
    sys("readlinkat", {{Fd, "dirfd"}, {Path, "pathname"}, {Pointer, "buf"}, {Unsigned, "bufsiz"}}),
    sys("reboot", {{Hex, "magic"}, {Hex, "magic2"}, {RebootCmd, "cmd"}, {Pointer, "arg"}}),
    sys("removexattr", {{Path, "pathname"}, {String, "name"}}),
    sys("rename", {{Path, "oldpath"}, {Path, "newpath"}}),
    sys("renameat", {{Fd, "olddirfd"}, {Path, "oldpath"}, {Fd, "newdirfd"}, {Path, "newpath"}}),
    sys("renameat2", {{Fd, "olddirfd"}, {Path, "oldpath"}, {Fd, "newdirfd"}, {Path, "newpath"},
                      {Hex, "flags"}}),
    sys("rmdir", {{Path, "pathname"}}),
    sys("seccomp", {{SeccompOp, "operation"}, {SeccompFlags, "flags"}, {Pointer, "args"}}),
    // Pointer, not String: the name is length-delimited and need not be NUL-terminated.
    sys("setdomainname", {{Pointer, "name"}, {Unsigned, "len"}}),
    sys("sethostname", {{Pointer, "name"}, {Unsigned, "len"}}),
    sys("setns", {{Fd, "fd"}, {CloneFlags, "nstype"}}),
    sys("settimeofday", {{Pointer, "tv"}, {Pointer, "tz"}}),
    sys("setxattr", {{Path, "pathname"}, {String, "name"}, {Pointer, "value"}, {Unsigned, "size"},
                     {Hex, "flags"}}),
    sys("socket", {{SocketFamily, "domain"}, {SocketType, "type"}, {Int, "protocol"}}),
    sys("socketpair", {{SocketFamily, "domain"}, {SocketType, "type"}, {Int, "protocol"}, {Pointer, "sv"}}),
    sys("stat", {{Path, "pathname"}, {Pointer, "statbuf"}}),
    sys("statx", {{Fd, "dirfd"}, {Path, "pathname"}, {AtFlags, "flags"}, {StatxMask, "mask"},
                  {Pointer, "statxbuf"}}),
    sys("swapoff", {{Path, "path"}}),
    sys("swapon", {{Path, "path"}, {Hex, "swapflags"}}),
    sys("symlink", {{Path, "target"}, {Path, "linkpath"}}),
    sys("symlinkat", {{Path, "target"}, {Fd, "newdirfd"}, {Path, "linkpath"}}),
    sys("tgkill", {{Int, "tgid"}, {Int, "tid"}, {Signal, "sig"}}),
    // off_t, so the full register; Int would cut lengths above 2 GiB.
    sys("truncate", {{Path, "path"}, {Unsigned, "length"}}),
    sys("umount2", {{Path, "target"}, {UmountFlags, "flags"}}),
    sys("unlink", {{Path, "pathname"}}),
    sys("unlinkat", {{Fd, "dirfd"}, {Path, "pathname"}, {AtFlags, "flags"}}),
    sys("unshare", {{CloneFlags, "flags"}}),
    sys("write", {{Fd, "fd"}, {Pointer, "buf"}, {Unsigned, "count"}}),
};
// clang-format on

// find_syscall_signature binary-searches, so order and uniqueness are part of correctness.
static_assert(std::ranges::adjacent_find(kSignatures, std::ranges::greater_equal{},
                                         &SyscallSignature::name) == std::end(kSignatures),
              "kSignatures must be sorted by name without duplicates");

// ---------------------------------------------------------------------------------------------
// Value names. Each table maps a constant to its spelling; TG_NAMED keeps the two from drifting.

struct Named {
  uint64_t value;
  std::string_view name;
};
// clang-format off
#define TG_NAMED(x) Named{static_cast<uint64_t>(x), #x}
// clang-format on

// glibc defines O_LARGEFILE as 0 on 64-bit targets, but callers that build flags from kernel
// headers (or 32-bit habits) still pass the kernel's bit, and we want to name it.
constexpr uint64_t kKernelOLargefile = 0100000;

// Composite flags (O_SYNC, O_TMPFILE) come before the single bits they contain so they win.
constexpr Named kOpenFlags[] = {
    TG_NAMED(O_CREAT),
    TG_NAMED(O_EXCL),
    TG_NAMED(O_NOCTTY),
    TG_NAMED(O_TRUNC),
    TG_NAMED(O_APPEND),
    TG_NAMED(O_NONBLOCK),
    TG_NAMED(O_SYNC),
    TG_NAMED(O_DSYNC),
    TG_NAMED(O_ASYNC),
    TG_NAMED(O_DIRECT),
    {kKernelOLargefile, "O_LARGEFILE"},
    TG_NAMED(O_TMPFILE),
    TG_NAMED(O_DIRECTORY),
    TG_NAMED(O_NOFOLLOW),
    TG_NAMED(O_NOATIME),
    TG_NAMED(O_CLOEXEC),
    TG_NAMED(O_PATH),
};

// AT_EACCESS shares 0x200 with AT_REMOVEDIR; syscalls that mean AT_EACCESS do not use AtFlags.
constexpr Named kAtFlags[] = {
    TG_NAMED(AT_SYMLINK_NOFOLLOW), TG_NAMED(AT_REMOVEDIR),  TG_NAMED(AT_SYMLINK_FOLLOW),
    TG_NAMED(AT_NO_AUTOMOUNT),     TG_NAMED(AT_EMPTY_PATH), TG_NAMED(AT_STATX_FORCE_SYNC),
    TG_NAMED(AT_STATX_DONT_SYNC),  TG_NAMED(AT_RECURSIVE),
};

constexpr Named kStatxMask[] = {
    TG_NAMED(STATX_BASIC_STATS), TG_NAMED(STATX_TYPE),   TG_NAMED(STATX_MODE),  TG_NAMED(STATX_NLINK),
    TG_NAMED(STATX_UID),         TG_NAMED(STATX_GID),    TG_NAMED(STATX_ATIME), TG_NAMED(STATX_MTIME),
    TG_NAMED(STATX_CTIME),       TG_NAMED(STATX_INO),    TG_NAMED(STATX_SIZE),  TG_NAMED(STATX_BLOCKS),
    TG_NAMED(STATX_BTIME),       TG_NAMED(STATX_MNT_ID),
};

// Kernel-internal superblock bits (MS_ACTIVE, MS_NOUSER, ...) are left out on purpose: a caller
// setting them is doing something odd, and raw hex makes that visible.
constexpr Named kMountFlags[] = {
    TG_NAMED(MS_RDONLY),      TG_NAMED(MS_NOSUID),    TG_NAMED(MS_NODEV),      TG_NAMED(MS_NOEXEC),
    TG_NAMED(MS_SYNCHRONOUS), TG_NAMED(MS_REMOUNT),   TG_NAMED(MS_MANDLOCK),   TG_NAMED(MS_DIRSYNC),
    TG_NAMED(MS_NOSYMFOLLOW), TG_NAMED(MS_NOATIME),   TG_NAMED(MS_NODIRATIME), TG_NAMED(MS_BIND),
    TG_NAMED(MS_MOVE),        TG_NAMED(MS_REC),       TG_NAMED(MS_SILENT),     TG_NAMED(MS_POSIXACL),
    TG_NAMED(MS_UNBINDABLE),  TG_NAMED(MS_PRIVATE),   TG_NAMED(MS_SLAVE),      TG_NAMED(MS_SHARED),
    TG_NAMED(MS_RELATIME),    TG_NAMED(MS_KERNMOUNT), TG_NAMED(MS_I_VERSION),  TG_NAMED(MS_STRICTATIME),
    TG_NAMED(MS_LAZYTIME),
};

constexpr Named kUmountFlags[] = {
    TG_NAMED(MNT_FORCE),
    TG_NAMED(MNT_DETACH),
    TG_NAMED(MNT_EXPIRE),
    TG_NAMED(UMOUNT_NOFOLLOW),
};

// CLONE_NEWTIME (0x80) sits inside the CSIGNAL byte and is handled with the exit signal.
constexpr Named kCloneFlags[] = {
    TG_NAMED(CLONE_VM),
    TG_NAMED(CLONE_FS),
    TG_NAMED(CLONE_FILES),
    TG_NAMED(CLONE_SIGHAND),
    TG_NAMED(CLONE_PIDFD),
    TG_NAMED(CLONE_PTRACE),
    TG_NAMED(CLONE_VFORK),
    TG_NAMED(CLONE_PARENT),
    TG_NAMED(CLONE_THREAD),
    TG_NAMED(CLONE_NEWNS),
    TG_NAMED(CLONE_SYSVSEM),
    TG_NAMED(CLONE_SETTLS),
    TG_NAMED(CLONE_PARENT_SETTID),
    TG_NAMED(CLONE_CHILD_CLEARTID),
    TG_NAMED(CLONE_DETACHED),
    TG_NAMED(CLONE_UNTRACED),
    TG_NAMED(CLONE_CHILD_SETTID),
    TG_NAMED(CLONE_NEWCGROUP),
    TG_NAMED(CLONE_NEWUTS),
    TG_NAMED(CLONE_NEWIPC),
    TG_NAMED(CLONE_NEWUSER),
    TG_NAMED(CLONE_NEWPID),
    TG_NAMED(CLONE_NEWNET),
    TG_NAMED(CLONE_IO),
};

constexpr Named kSocketFamilies[] = {
    TG_NAMED(AF_UNSPEC), TG_NAMED(AF_UNIX),      TG_NAMED(AF_INET),      TG_NAMED(AF_AX25),
    TG_NAMED(AF_IPX),    TG_NAMED(AF_APPLETALK), TG_NAMED(AF_X25),       TG_NAMED(AF_INET6),
    TG_NAMED(AF_KEY),    TG_NAMED(AF_NETLINK),   TG_NAMED(AF_PACKET),    TG_NAMED(AF_RDS),
    TG_NAMED(AF_CAN),    TG_NAMED(AF_TIPC),      TG_NAMED(AF_BLUETOOTH), TG_NAMED(AF_ALG),
    TG_NAMED(AF_VSOCK),  TG_NAMED(AF_KCM),       TG_NAMED(AF_QIPCRTR),   TG_NAMED(AF_XDP),
    TG_NAMED(AF_MCTP),
};

constexpr Named kSocketTypes[] = {
    TG_NAMED(SOCK_STREAM),    TG_NAMED(SOCK_DGRAM), TG_NAMED(SOCK_RAW),    TG_NAMED(SOCK_RDM),
    TG_NAMED(SOCK_SEQPACKET), TG_NAMED(SOCK_DCCP),  TG_NAMED(SOCK_PACKET),
};
constexpr Named kSocketTypeFlags[] = {TG_NAMED(SOCK_NONBLOCK), TG_NAMED(SOCK_CLOEXEC)};
// The kernel's SOCK_TYPE_MASK, which is not exported to userspace.
constexpr uint64_t kSocketTypeMask = 0xf;

constexpr Named kPrctlOptions[] = {
    TG_NAMED(PR_SET_PDEATHSIG),
    TG_NAMED(PR_GET_PDEATHSIG),
    TG_NAMED(PR_GET_DUMPABLE),
    TG_NAMED(PR_SET_DUMPABLE),
    TG_NAMED(PR_GET_KEEPCAPS),
    TG_NAMED(PR_SET_KEEPCAPS),
    TG_NAMED(PR_SET_NAME),
    TG_NAMED(PR_GET_NAME),
    TG_NAMED(PR_GET_SECCOMP),
    TG_NAMED(PR_SET_SECCOMP),
    TG_NAMED(PR_CAPBSET_READ),
    TG_NAMED(PR_CAPBSET_DROP),
    TG_NAMED(PR_GET_SECUREBITS),
    TG_NAMED(PR_SET_SECUREBITS),
    TG_NAMED(PR_SET_TIMERSLACK),
    TG_NAMED(PR_GET_TIMERSLACK),
    TG_NAMED(PR_SET_PTRACER),
    TG_NAMED(PR_SET_MM),
    TG_NAMED(PR_SET_CHILD_SUBREAPER),
    TG_NAMED(PR_GET_CHILD_SUBREAPER),
    TG_NAMED(PR_SET_NO_NEW_PRIVS),
    TG_NAMED(PR_GET_NO_NEW_PRIVS),
    TG_NAMED(PR_GET_TID_ADDRESS),
    TG_NAMED(PR_SET_THP_DISABLE),
    TG_NAMED(PR_GET_THP_DISABLE),
    TG_NAMED(PR_CAP_AMBIENT),
    TG_NAMED(PR_SET_SPECULATION_CTRL),
    TG_NAMED(PR_GET_SPECULATION_CTRL),
    TG_NAMED(PR_SET_IO_FLUSHER),
    TG_NAMED(PR_GET_IO_FLUSHER),
    TG_NAMED(PR_SET_SYSCALL_USER_DISPATCH),
    TG_NAMED(PR_SCHED_CORE),
    TG_NAMED(PR_SET_VMA),
};

constexpr Named kFileTypes[] = {
    TG_NAMED(S_IFREG), TG_NAMED(S_IFDIR), TG_NAMED(S_IFCHR),  TG_NAMED(S_IFBLK),
    TG_NAMED(S_IFIFO), TG_NAMED(S_IFLNK), TG_NAMED(S_IFSOCK),
};
// Permission bits including setuid, setgid and sticky.
constexpr uint64_t kModePermMask = S_ISUID | S_ISGID | S_ISVTX | S_IRWXU | S_IRWXG | S_IRWXO;

constexpr Named kClockIds[] = {
    TG_NAMED(CLOCK_REALTIME),          TG_NAMED(CLOCK_MONOTONIC),     TG_NAMED(CLOCK_PROCESS_CPUTIME_ID),
    TG_NAMED(CLOCK_THREAD_CPUTIME_ID), TG_NAMED(CLOCK_MONOTONIC_RAW), TG_NAMED(CLOCK_REALTIME_COARSE),
    TG_NAMED(CLOCK_MONOTONIC_COARSE),  TG_NAMED(CLOCK_BOOTTIME),      TG_NAMED(CLOCK_REALTIME_ALARM),
    TG_NAMED(CLOCK_BOOTTIME_ALARM),    TG_NAMED(CLOCK_TAI),
};

constexpr Named kRebootCmds[] = {
    TG_NAMED(LINUX_REBOOT_CMD_RESTART),    TG_NAMED(LINUX_REBOOT_CMD_HALT),
    TG_NAMED(LINUX_REBOOT_CMD_CAD_ON),     TG_NAMED(LINUX_REBOOT_CMD_CAD_OFF),
    TG_NAMED(LINUX_REBOOT_CMD_POWER_OFF),  TG_NAMED(LINUX_REBOOT_CMD_RESTART2),
    TG_NAMED(LINUX_REBOOT_CMD_SW_SUSPEND), TG_NAMED(LINUX_REBOOT_CMD_KEXEC),
};

constexpr Named kSeccompOps[] = {
    TG_NAMED(SECCOMP_SET_MODE_STRICT),
    TG_NAMED(SECCOMP_SET_MODE_FILTER),
    TG_NAMED(SECCOMP_GET_ACTION_AVAIL),
    TG_NAMED(SECCOMP_GET_NOTIF_SIZES),
};

constexpr Named kSeccompFlags[] = {
    TG_NAMED(SECCOMP_FILTER_FLAG_TSYNC),       TG_NAMED(SECCOMP_FILTER_FLAG_LOG),
    TG_NAMED(SECCOMP_FILTER_FLAG_SPEC_ALLOW),  TG_NAMED(SECCOMP_FILTER_FLAG_NEW_LISTENER),
    TG_NAMED(SECCOMP_FILTER_FLAG_TSYNC_ESRCH), TG_NAMED(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV),
};

// Terminal requests that matter for confinement (TIOCSTI, TIOCLINUX inject input; the seccomp
// ones mean the target is running its own supervisor) plus the everyday ones that fill logs.
constexpr Named kIoctlRequests[] = {
    TG_NAMED(TCGETS),
    TG_NAMED(TCSETS),
    TG_NAMED(TCSETSW),
    TG_NAMED(TCSETSF),
    TG_NAMED(TIOCSCTTY),
    TG_NAMED(TIOCNOTTY),
    TG_NAMED(TIOCGPGRP),
    TG_NAMED(TIOCSPGRP),
    TG_NAMED(TIOCSTI),
    TG_NAMED(TIOCLINUX),
    TG_NAMED(TIOCGWINSZ),
    TG_NAMED(TIOCSWINSZ),
    TG_NAMED(TIOCGPTN),
    TG_NAMED(TIOCSPTLCK),
    TG_NAMED(FIONREAD),
    TG_NAMED(FIONBIO),
    TG_NAMED(FIOASYNC),
    TG_NAMED(FIOCLEX),
    TG_NAMED(FIONCLEX),
    TG_NAMED(SECCOMP_IOCTL_NOTIF_RECV),
    TG_NAMED(SECCOMP_IOCTL_NOTIF_SEND),
    TG_NAMED(SECCOMP_IOCTL_NOTIF_ID_VALID),
    TG_NAMED(SECCOMP_IOCTL_NOTIF_ADDFD),
};

constexpr Named kSignals[] = {
    TG_NAMED(SIGHUP),    TG_NAMED(SIGINT),  TG_NAMED(SIGQUIT),  TG_NAMED(SIGILL),  TG_NAMED(SIGTRAP),
    TG_NAMED(SIGABRT),   TG_NAMED(SIGBUS),  TG_NAMED(SIGFPE),   TG_NAMED(SIGKILL), TG_NAMED(SIGUSR1),
    TG_NAMED(SIGSEGV),   TG_NAMED(SIGUSR2), TG_NAMED(SIGPIPE),  TG_NAMED(SIGALRM), TG_NAMED(SIGTERM),
    TG_NAMED(SIGSTKFLT), TG_NAMED(SIGCHLD), TG_NAMED(SIGCONT),  TG_NAMED(SIGSTOP), TG_NAMED(SIGTSTP),
    TG_NAMED(SIGTTIN),   TG_NAMED(SIGTTOU), TG_NAMED(SIGURG),   TG_NAMED(SIGXCPU), TG_NAMED(SIGXFSZ),
    TG_NAMED(SIGVTALRM), TG_NAMED(SIGPROF), TG_NAMED(SIGWINCH), TG_NAMED(SIGIO),   TG_NAMED(SIGPWR),
    TG_NAMED(SIGSYS),
};

#undef TG_NAMED

// ---------------------------------------------------------------------------------------------
// Rendering.

std::string hex(uint64_t v) {
  char buf[2 + 16];
  buf[0] = '0';
  buf[1] = 'x';
  auto end = std::to_chars(buf + 2, std::end(buf), v, 16).ptr;
  return {buf, end};
}

// Octal with a leading 0, the way modes are written in C.
std::string octal(uint64_t v) {
  if (v == 0) return "0";
  char buf[1 + 22];
  buf[0] = '0';
  auto end = std::to_chars(buf + 1, std::end(buf), v, 8).ptr;
  return {buf, end};
}

// The kernel reads int-typed arguments from the low half of the register and ignores the rest,
// so we do too; otherwise a zero-extended -1 would print as 4294967295.
int32_t as_int(uint64_t v) {
  return static_cast<int32_t>(static_cast<uint32_t>(v));
}
uint64_t as_u32(uint64_t v) {
  return static_cast<uint32_t>(v);
}

const Named* find_value(std::span<const Named> table, uint64_t v) {
  auto it = std::ranges::find(table, v, &Named::value);
  return it == table.end() ? nullptr : &*it;
}

// Builds "A|B|0x40" one part at a time.
class FlagText {
 public:
  void add(std::string_view part) {
    if (!text_.empty()) text_ += '|';
    text_ += part;
  }

  // Names every flag fully contained in v, in table order, and returns the bits left over.
  uint64_t add_flags(std::span<const Named> table, uint64_t v) {
    for (const Named& f : table) {
      if (f.value != 0 && (v & f.value) == f.value) {
        add(f.name);
        v &= ~f.value;
      }
    }
    return v;
  }

  std::string finish(uint64_t leftover) && {
    if (leftover != 0) add(hex(leftover));
    return text_.empty() ? "0" : std::move(text_);
  }

 private:
  std::string text_;
};

std::string flags(std::span<const Named> table, uint64_t v) {
  FlagText t;
  uint64_t rest = t.add_flags(table, v);
  return std::move(t).finish(rest);
}

std::string enum_or_decimal(std::span<const Named> table, int32_t v) {
  const Named* n = find_value(table, static_cast<uint64_t>(v));
  return n ? std::string(n->name) : std::to_string(v);
}

std::string enum_or_hex(std::span<const Named> table, uint64_t v) {
  const Named* n = find_value(table, v);
  return n ? std::string(n->name) : hex(v);
}

std::string signal_name(int32_t sig) {
  // Kernel numbering: glibc's SIGRTMIN is 34 because it reserves two, but the syscall sees raw numbers.
  if (sig == __SIGRTMIN) return "SIGRTMIN";
  if (sig > __SIGRTMIN && sig <= __SIGRTMAX) return "SIGRTMIN+" + std::to_string(sig - __SIGRTMIN);
  if (sig < 0) return std::to_string(sig);
  return enum_or_decimal(kSignals, sig);
}

std::string open_flags(uint64_t v) {
  FlagText t;
  // The access mode is a two-bit number, not flags, and O_RDONLY is zero, so name it explicitly.
  switch (v & O_ACCMODE) {
    case O_RDONLY:
      t.add("O_RDONLY");
      break;
    case O_WRONLY:
      t.add("O_WRONLY");
      break;
    case O_RDWR:
      t.add("O_RDWR");
      break;
    default:
      t.add("O_ACCMODE");
      break;
  }
  uint64_t rest = t.add_flags(kOpenFlags, v & ~static_cast<uint64_t>(O_ACCMODE));
  return std::move(t).finish(rest);
}

std::string mount_flags(uint64_t v) {
  FlagText t;
  // Pre-2.4 callers put a magic number in the top half; the kernel strips it, so name it as a whole.
  if ((v & MS_MGC_MSK) == MS_MGC_VAL) {
    t.add("MS_MGC_VAL");
    v &= ~static_cast<uint64_t>(MS_MGC_MSK);
  }
  uint64_t rest = t.add_flags(kMountFlags, v);
  return std::move(t).finish(rest);
}

std::string clone_flags(uint64_t v) {
  FlagText t;
  uint64_t low = v & CSIGNAL;
  // unshare/setns use 0x80 for CLONE_NEWTIME; clone uses the byte for the exit signal, and 0x80
  // is never a valid signal, so the two readings cannot collide.
  if (low == CLONE_NEWTIME) t.add("CLONE_NEWTIME");
  uint64_t rest = t.add_flags(kCloneFlags, v & ~static_cast<uint64_t>(CSIGNAL));
  if (low != 0 && low != CLONE_NEWTIME) t.add(signal_name(static_cast<int32_t>(low)));
  return std::move(t).finish(rest);
}

std::string socket_type(uint64_t v) {
  FlagText t;
  uint64_t type = v & kSocketTypeMask;
  uint64_t rest = v & ~kSocketTypeMask;
  if (const Named* n = find_value(kSocketTypes, type)) {
    t.add(n->name);
  } else {
    rest |= type;
  }
  rest = t.add_flags(kSocketTypeFlags, rest);
  return std::move(t).finish(rest);
}

std::string mode(uint64_t v) {
  FlagText t;
  uint64_t rest = v;
  const Named* type = find_value(kFileTypes, v & S_IFMT);
  if (type != nullptr) {
    t.add(type->name);
    rest &= ~static_cast<uint64_t>(S_IFMT);
  }
  // "S_IFIFO|0" rather than a bare "S_IFIFO", so a typed mode always shows its permissions.
  if ((rest & kModePermMask) != 0 || type != nullptr) t.add(octal(rest & kModePermMask));
  return std::move(t).finish(rest & ~kModePermMask);
}

std::string dev(uint64_t v) {
  // The syscall takes a 32-bit new-style dev_t; glibc's major()/minor() decode that layout too.
  dev_t d = as_u32(v);
  return "makedev(" + std::to_string(major(d)) + ", " + std::to_string(minor(d)) + ")";
}

}  // namespace

const SyscallSignature* find_syscall_signature(std::string_view name) {
  auto it = std::ranges::lower_bound(kSignatures, name, {}, &SyscallSignature::name);
  return it != std::end(kSignatures) && it->name == name ? it : nullptr;
}

std::string format_arg(ArgKind kind, uint64_t value) {
  switch (kind) {
    case Int:
      return std::to_string(as_int(value));
    case Unsigned:
      return std::to_string(value);
    case Hex:
      return value == 0 ? "0" : hex(value);
    case Fd:
      return as_int(value) == AT_FDCWD ? "AT_FDCWD" : std::to_string(as_int(value));
    case Path:
    case String:
    case Pointer:
      return value == 0 ? "NULL" : hex(value);
    case OpenFlags:
      return open_flags(as_u32(value));
    case AtFlags:
      return flags(kAtFlags, as_u32(value));
    case StatxMask:
      return flags(kStatxMask, as_u32(value));
    case MountFlags:
      return mount_flags(value);
    case UmountFlags:
      return flags(kUmountFlags, as_u32(value));
    case CloneFlags:
      return clone_flags(value);
    case SocketFamily:
      return enum_or_decimal(kSocketFamilies, as_int(value));
    case SocketType:
      return socket_type(as_u32(value));
    case PrctlOption:
      return enum_or_decimal(kPrctlOptions, as_int(value));
    case Mode:
      return mode(as_u32(value));
    case Dev:
      return dev(value);
    case ClockId:
      return enum_or_decimal(kClockIds, as_int(value));
    case RebootCmd:
      return enum_or_hex(kRebootCmds, as_u32(value));
    case SeccompOp:
      return enum_or_decimal(kSeccompOps, as_int(value));
    case SeccompFlags:
      return flags(kSeccompFlags, as_u32(value));
    case IoctlRequest:
      return enum_or_hex(kIoctlRequests, as_u32(value));
    case Signal:
      return signal_name(as_int(value));
  }
  return hex(value);  // unreachable for valid enumerators; keeps a cast-in value printable
}

std::string quote_string(std::string_view s, size_t max_len) {
  const bool truncated = s.size() > max_len;
  if (truncated) s = s.substr(0, max_len);

  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          // Always three octal digits: "\x" escapes would swallow a following hex digit, and
          // escaping high bytes keeps target-controlled text from driving the terminal.
          out += '\\';
          out += static_cast<char>('0' + (c >> 6));
          out += static_cast<char>('0' + ((c >> 3) & 7));
          out += static_cast<char>('0' + (c & 7));
        }
    }
  }
  out += '"';
  if (truncated) out += "...";
  return out;
}

}  // namespace tollgate
