#include "core/syscall_groups.h"

#include <algorithm>
#include <iterator>

namespace tollgate {
namespace {

// Members list every spelling libseccomp knows on any architecture (e.g. umount, stime,
// clock_settime64): a policy written on x86_64 must still deny the 32-bit variants on other arches,
// and callers skip names that do not exist on the native one.

constexpr std::string_view kClock[] = {
    "adjtimex",        "clock_adjtime", "clock_adjtime64", "clock_settime",
    "clock_settime64", "settimeofday",  "stime",
};
constexpr std::string_view kMknod[] = {"mknod", "mknodat"};
constexpr std::string_view kModule[] = {"delete_module", "finit_module", "init_module"};
constexpr std::string_view kMount[] = {"@mount-api", "mount", "umount", "umount2"};
constexpr std::string_view kMountApi[] = {
    "fsconfig", "fsmount", "fsopen", "fspick", "mount_setattr", "move_mount", "open_tree",
};
constexpr std::string_view kRawIo[] = {
    "ioperm",
    "iopl",
    "pciconfig_iobase",
    "pciconfig_read",
    "pciconfig_write",
    "s390_pci_mmio_read",
    "s390_pci_mmio_write",
};
constexpr std::string_view kReboot[] = {"kexec_file_load", "kexec_load", "reboot"};
constexpr std::string_view kSwap[] = {"swapoff", "swapon"};

constexpr SyscallGroup kGroups[] = {
    {"@clock", "Setting or adjusting the system clock", kClock},
    {"@mknod", "Creating device nodes and other special files", kMknod},
    {"@module", "Loading and unloading kernel modules", kModule},
    {"@mount", "Mounting and unmounting file systems", kMount},
    {"@mount-api", "The file-descriptor based mount API (fsopen and friends)", kMountApi},
    {"@raw-io", "Raw I/O port and PCI configuration space access", kRawIo},
    {"@reboot", "Rebooting the machine or loading a new kernel", kReboot},
    {"@swap", "Enabling and disabling swap devices", kSwap},
};

constexpr bool is_group_name(std::string_view name) {
  return name.starts_with('@');
}

// Strictly increasing means sorted and free of duplicates in one check.
constexpr bool strictly_sorted(std::span<const std::string_view> names) {
  return std::ranges::adjacent_find(names, std::ranges::greater_equal{}) == names.end();
}

constexpr const SyscallGroup* lookup(std::string_view name) {
  auto it = std::ranges::lower_bound(kGroups, name, {}, &SyscallGroup::name);
  return it != std::end(kGroups) && it->name == name ? it : nullptr;
}

// Checked at compile time so a typo in the table cannot ship: lookup() relies on the order, and a
// dangling "@nested" reference would otherwise only surface when some policy happened to use it.
constexpr bool table_is_well_formed() {
  for (size_t i = 0; i < std::size(kGroups); ++i) {
    const SyscallGroup& g = kGroups[i];
    if (!is_group_name(g.name) || g.help.empty() || g.members.empty()) return false;
    if (i > 0 && kGroups[i - 1].name >= g.name) return false;
    if (!strictly_sorted(g.members)) return false;
    for (std::string_view m : g.members) {
      if (is_group_name(m) && lookup(m) == nullptr) return false;
    }
  }
  return true;
}
static_assert(table_is_well_formed(), "syscall group table must be sorted, unique and self-contained");

struct Expander {
  std::vector<std::string> out;
  std::vector<std::string_view> in_progress;  // the current nesting chain, for cycle detection
  std::vector<std::string_view> done;         // groups already emitted; diamonds are fine, not cycles

  std::expected<void, std::string> add(std::string_view name) {
    if (!is_group_name(name)) {
      if (std::ranges::find(out, name) == out.end()) out.emplace_back(name);
      return {};
    }
    if (std::ranges::find(done, name) != done.end()) return {};
    if (std::ranges::find(in_progress, name) != in_progress.end()) {
      std::string chain;
      for (std::string_view g : in_progress) chain.append(g).append(" -> ");
      return std::unexpected("syscall group cycle: " + chain.append(name));
    }
    const SyscallGroup* group = lookup(name);
    if (group == nullptr) return std::unexpected("unknown syscall group '" + std::string(name) + "'");

    in_progress.push_back(name);
    for (std::string_view member : group->members) {
      if (auto r = add(member); !r) return r;
    }
    in_progress.pop_back();
    done.push_back(name);
    return {};
  }
};

}  // namespace

std::span<const SyscallGroup> syscall_groups() {
  return kGroups;
}

const SyscallGroup* find_syscall_group(std::string_view name) {
  return lookup(name);
}

std::expected<std::vector<std::string>, std::string> expand_syscall_group(std::string_view name_or_group) {
  Expander e;
  if (auto r = e.add(name_or_group); !r) return std::unexpected(std::move(r.error()));
  return std::move(e.out);
}

}  // namespace tollgate
