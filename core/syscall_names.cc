#include "core/syscall_names.h"

#include <seccomp.h>
#include <stdlib.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace tollgate {
namespace {

// Native syscall numbers are small on every architecture we build for (x86_64 < 512, aarch64 < 512).
constexpr int kMaxNativeSyscall = 1024;

struct NameTable {
  std::vector<std::string> names;  // index = syscall number
  NameTable() : names(kMaxNativeSyscall) {
    for (int nr = 0; nr < kMaxNativeSyscall; ++nr) {
      std::unique_ptr<char, decltype(&::free)> n(seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr),
                                                 &::free);
      if (n) names[nr] = n.get();
    }
  }
};

const NameTable& name_table() {
  static const NameTable table;
  return table;
}

std::string version_string() {
  const scmp_version* v = seccomp_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

}  // namespace

std::expected<int, SyscallNameProblem> resolve_native_syscall(std::string_view name) {
  std::string n(name);
  int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, n.c_str());
  if (nr >= 0) return nr;
  // libseccomp answers with a negative pseudo number for names it knows from other architectures.
  if (nr == __NR_SCMP_ERROR && seccomp_syscall_resolve_name(n.c_str()) == __NR_SCMP_ERROR)
    return std::unexpected(SyscallNameProblem::UnknownToLibseccomp);
  return std::unexpected(SyscallNameProblem::NotOnThisArch);
}

std::string_view native_syscall_name(int nr) {
  if (nr < 0 || nr >= kMaxNativeSyscall) return {};
  return name_table().names[nr];
}

std::string describe(SyscallNameProblem problem) {
  switch (problem) {
    case SyscallNameProblem::UnknownToLibseccomp:
      return "unknown to libseccomp " + version_string();
    case SyscallNameProblem::NotOnThisArch:
      return "not a syscall on " + std::string(native_arch_name());
  }
  return "unknown";
}

uint32_t native_audit_arch() {
  return seccomp_arch_native();
}

namespace {

// libseccomp's architecture token, the name tollgate prints, and the Go name Docker profiles use in
// includes/excludes.arches.
struct ArchNames {
  uint32_t scmp_arch;
  std::string_view name;
  std::string_view go_name;
};

constexpr ArchNames kArchNames[] = {
    {SCMP_ARCH_X86_64, "x86_64", "amd64"}, {SCMP_ARCH_X86, "x86", "386"},
    {SCMP_ARCH_AARCH64, "aarch64", "arm64"}, {SCMP_ARCH_ARM, "arm", "arm"},
    {SCMP_ARCH_PPC64LE, "ppc64le", "ppc64le"}, {SCMP_ARCH_S390X, "s390x", "s390x"},
    {SCMP_ARCH_RISCV64, "riscv64", "riscv64"},
};

const ArchNames* native_arch() {
  for (const auto& a : kArchNames)
    if (a.scmp_arch == seccomp_arch_native()) return &a;
  return nullptr;
}

}  // namespace

std::string_view native_arch_name() { return native_arch() != nullptr ? native_arch()->name : "unknown"; }

std::string_view native_go_arch_name() { return native_arch() != nullptr ? native_arch()->go_name : "unknown"; }

}  // namespace tollgate
