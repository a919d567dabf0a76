// Which syscalls the running kernel implements, from the entry points in /proc/kallsyms (names are visible
// even where addresses are hidden). A syscall libseccomp knows but the kernel does not (removed, like
// lookup_dcookie in 6.8, or configured out) fails with ENOSYS whatever a profile says.
#pragma once

#include <optional>
#include <set>
#include <string>

namespace tollgate {

// Syscall names as profiles write them; nullopt when the symbol table cannot be read.
std::optional<std::set<std::string>> kernel_syscall_names();

}  // namespace tollgate
