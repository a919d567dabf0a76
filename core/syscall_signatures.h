#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tollgate {

enum class ArgKind : uint8_t {
  Int,
  Unsigned,
  Hex,
  Fd /* prints AT_FDCWD for -100 */,
  Path /* NUL-terminated string in target memory */,
  String /* NUL-terminated, not a path (fstype, mount data) */,
  Pointer /* opaque pointer */,
  OpenFlags,
  AtFlags,
  StatxMask,
  MountFlags,
  UmountFlags,
  CloneFlags,
  SocketFamily,
  SocketType,
  PrctlOption,
  Mode /* octal, with S_IFCHR etc for mknod */,
  Dev /* makedev(major,minor) */,
  ClockId,
  RebootCmd,
  SeccompOp,
  SeccompFlags,
  IoctlRequest,
  Signal,
};

struct SyscallSignature {
  std::string_view name;
  uint8_t arg_count;
  std::array<ArgKind, 6> args;
  std::array<std::string_view, 6> arg_names;  // "source", "target", ...
};

// Signature for a syscall name, nullptr if the table does not know it (callers print hex).
const SyscallSignature* find_syscall_signature(std::string_view name);

// True for kinds that point into target memory (Path, String, Pointer).
constexpr bool is_pointer_kind(ArgKind k) {
  return k == ArgKind::Path || k == ArgKind::String || k == ArgKind::Pointer;
}

// Symbolic rendering of one numeric argument: "MS_NOSUID|MS_NODEV", "O_RDONLY|O_CLOEXEC", "AT_FDCWD",
// "AF_UNIX", "SOCK_STREAM|SOCK_CLOEXEC", "PR_SET_NAME", "CLOCK_REALTIME", "makedev(1, 3)", "S_IFCHR|0666",
// unknown bits appended as hex ("MS_NOSUID|0x40000000"), zero as "0". Path/String/Pointer kinds render as hex
// pointer ("0x7ffd1234") or "NULL" for 0 — the caller substitutes the string read from the target when it has
// one.
std::string format_arg(ArgKind kind, uint64_t value);

// C-style quoting of a string read from the target: "\"/mnt\"" with escapes for quotes, backslash and
// non-printables, truncated with "..." after max_len bytes.
std::string quote_string(std::string_view s, size_t max_len = 256);

}  // namespace tollgate
