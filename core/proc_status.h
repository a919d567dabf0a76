// /proc/PID/status, read once and looked up by field: ids (Uid, Gid), capability and signal masks (CapEff,
// CapBnd, SigBlk), the thread group (Tgid), the umask. The supervisor reads callers' status files, the agent
// and `run` read their own.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate {

class ProcStatus {
 public:
  // /proc/PID/status. Error: errno (ESRCH when the process is gone).
  static std::expected<ProcStatus, int> of(pid_t pid);
  static std::expected<ProcStatus, int> of_self();
  explicit ProcStatus(std::string text) : text_(std::move(text)) {}

  // The value after "Key:", leading blanks skipped, up to the end of its line.
  std::optional<std::string_view> field(std::string_view key) const;
  // A hexadecimal mask (CapEff, CapBnd, SigBlk, SigIgn, SigCgt).
  std::optional<uint64_t> mask(std::string_view key) const;
  // A decimal number (Tgid, PPid), or an octal one with base 8 (Umask).
  std::optional<uint64_t> number(std::string_view key, int base = 10) const;
  // Uid and Gid lines: real, effective, saved, filesystem.
  std::optional<std::array<uint32_t, 4>> ids(std::string_view key) const;

 private:
  std::string text_;
};

}  // namespace tollgate
