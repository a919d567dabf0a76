#include "profile/filter_environment.h"

#include <sys/utsname.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

#include "core/proc_status.h"
#include "core/syscall_names.h"

namespace tollgate {
namespace {

constexpr std::array<std::string_view, 41> kCapabilityNames = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

uint64_t read_bounding_set() {
  auto status = ProcStatus::of_self();
  return status ? status->mask("CapBnd").value_or(0) : 0;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::string capability_name(unsigned cap) {
  return cap < kCapabilityNames.size() ? std::string(kCapabilityNames[cap]) : std::to_string(cap);
}

FilterEnvironment FilterEnvironment::of_this_process() {
  FilterEnvironment env;
  uint64_t bounding = read_bounding_set();
  for (unsigned cap = 0; cap < 64; ++cap)
    if (bounding & (uint64_t{1} << cap)) env.bounding_caps.insert(capability_name(cap));
  env.go_arch = std::string(native_go_arch_name());
  utsname u{};
  if (uname(&u) == 0) std::sscanf(u.release, "%u.%u", &env.kernel.major, &env.kernel.minor);
  return env;
}

// The same test Docker and Podman apply to a profile entry before passing the result to the runtime:
// every included cap present, no excluded cap present, arch listed / not listed, kernel new enough.
bool entry_applies(const SyscallEntry& entry, const FilterEnvironment& env) {
  for (const auto& cap : entry.includes.caps)
    if (!env.bounding_caps.contains(cap)) return false;
  for (const auto& cap : entry.excludes.caps)
    if (env.bounding_caps.contains(cap)) return false;
  if (!entry.includes.arches.empty() && !contains(entry.includes.arches, env.go_arch)) return false;
  if (!entry.excludes.arches.empty() && contains(entry.excludes.arches, env.go_arch)) return false;
  if (entry.includes.min_kernel && env.kernel < *entry.includes.min_kernel) return false;
  if (entry.excludes.min_kernel && !(env.kernel < *entry.excludes.min_kernel)) return false;
  return true;
}

}  // namespace tollgate
