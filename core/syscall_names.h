// Syscall names and numbers for the native architecture, through libseccomp.
#pragma once

#include <expected>
#include <string_view>

namespace tollgate {

enum class SyscallNameProblem {
  UnknownToLibseccomp,  // a typo, or a syscall newer than this libseccomp
  NotOnThisArch,        // libseccomp knows it, but the native architecture has no such syscall
};

std::expected<int, SyscallNameProblem> resolve_native_syscall(std::string_view name);
// "mount" for 165 on x86_64; an empty view for numbers this libseccomp cannot name. No allocation.
std::string_view native_syscall_name(int nr);
// "unknown to libseccomp 2.5.4" / "not a syscall on x86_64".
std::string describe(SyscallNameProblem problem);
// "x86_64", as libseccomp names the native architecture.
std::string_view native_arch_name();
// Docker's Go-style name for the native architecture: "amd64", "arm64".
std::string_view native_go_arch_name();
// The AUDIT_ARCH_* value of the native architecture.
uint32_t native_audit_arch();

}  // namespace tollgate
