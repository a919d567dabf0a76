#pragma once

#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

struct SyscallGroup {
  std::string_view name;                      // "@mount"
  std::string_view help;                      // one line, e.g. "Mounting and unmounting file systems"
  std::span<const std::string_view> members;  // syscall names or nested "@group" names, sorted
};

// All groups, sorted by name.
std::span<const SyscallGroup> syscall_groups();

const SyscallGroup* find_syscall_group(std::string_view name);

// Expands "@group" recursively (or returns {name} for a plain name), de-duplicated, first-seen order.
// Error (a message naming the group) for an unknown "@..." name or a cycle.
std::expected<std::vector<std::string>, std::string> expand_syscall_group(std::string_view name_or_group);

}  // namespace tollgate
