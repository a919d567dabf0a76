#include "core/syscall_groups.h"

#include <gtest/gtest.h>
#include <seccomp.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace tollgate {
namespace {

std::vector<std::string> strings(std::initializer_list<std::string_view> names) {
  return {names.begin(), names.end()};
}

TEST(SyscallGroupsTest, GroupsAreSortedByNameAndUnique) {
  auto groups = syscall_groups();
  ASSERT_FALSE(groups.empty());
  for (size_t i = 1; i < groups.size(); ++i) {
    EXPECT_LT(groups[i - 1].name, groups[i].name) << "at index " << i;
  }
}

TEST(SyscallGroupsTest, EveryGroupIsNamedWithAtAndHasHelp) {
  for (const SyscallGroup& g : syscall_groups()) {
    EXPECT_TRUE(g.name.starts_with('@')) << g.name;
    EXPECT_FALSE(g.help.empty()) << g.name;
    EXPECT_EQ(g.help.find('\n'), std::string_view::npos) << g.name << " help must be one line";
    EXPECT_FALSE(g.members.empty()) << g.name;
  }
}

TEST(SyscallGroupsTest, MembersAreSortedWithoutDuplicates) {
  for (const SyscallGroup& g : syscall_groups()) {
    for (size_t i = 1; i < g.members.size(); ++i) {
      EXPECT_LT(g.members[i - 1], g.members[i]) << g.name << " at index " << i;
    }
  }
}

TEST(SyscallGroupsTest, PlainMembersAreKnownToLibseccomp) {
  for (const SyscallGroup& g : syscall_groups()) {
    for (std::string_view m : g.members) {
      if (m.starts_with('@')) continue;
      std::string name(m);
      EXPECT_NE(seccomp_syscall_resolve_name(name.c_str()), __NR_SCMP_ERROR) << g.name << ": " << name;
    }
  }
}

TEST(SyscallGroupsTest, NestedMembersNameExistingGroups) {
  for (const SyscallGroup& g : syscall_groups()) {
    for (std::string_view m : g.members) {
      if (!m.starts_with('@')) continue;
      EXPECT_NE(find_syscall_group(m), nullptr) << g.name << " -> " << m;
    }
  }
}

TEST(SyscallGroupsTest, EveryGroupExpandsWithoutError) {
  for (const SyscallGroup& g : syscall_groups()) {
    auto expanded = expand_syscall_group(g.name);
    ASSERT_TRUE(expanded.has_value()) << g.name << ": " << expanded.error();
    EXPECT_FALSE(expanded->empty()) << g.name;
    for (const std::string& name : *expanded) EXPECT_FALSE(name.starts_with('@')) << g.name;
  }
}

TEST(SyscallGroupsTest, RequiredGroupsHaveExpectedMembers) {
  struct Expectation {
    std::string_view group;
    std::vector<std::string> members;
  };
  const std::vector<Expectation> expected = {
      {"@clock", strings({"adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64",
                          "settimeofday", "stime"})},
      {"@mknod", strings({"mknod", "mknodat"})},
      {"@module", strings({"delete_module", "finit_module", "init_module"})},
      {"@mount", strings({"@mount-api", "mount", "umount", "umount2"})},
      {"@mount-api",
       strings({"fsconfig", "fsmount", "fsopen", "fspick", "mount_setattr", "move_mount", "open_tree"})},
      {"@raw-io", strings({"ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write",
                           "s390_pci_mmio_read", "s390_pci_mmio_write"})},
      {"@reboot", strings({"kexec_file_load", "kexec_load", "reboot"})},
      {"@swap", strings({"swapoff", "swapon"})},
  };
  for (const Expectation& e : expected) {
    const SyscallGroup* g = find_syscall_group(e.group);
    ASSERT_NE(g, nullptr) << e.group;
    EXPECT_EQ(g->name, e.group);
    EXPECT_EQ(std::vector<std::string>(g->members.begin(), g->members.end()), e.members) << e.group;
  }
}

TEST(SyscallGroupsTest, FindRequiresExactName) {
  EXPECT_EQ(find_syscall_group("mount"), nullptr);
  EXPECT_EQ(find_syscall_group("@Mount"), nullptr);
  EXPECT_EQ(find_syscall_group("@moun"), nullptr);
  EXPECT_EQ(find_syscall_group(""), nullptr);
  EXPECT_EQ(find_syscall_group("@zzz"), nullptr);
}

TEST(SyscallGroupsTest, PlainNameExpandsToItself) {
  auto expanded = expand_syscall_group("openat");
  ASSERT_TRUE(expanded.has_value());
  EXPECT_EQ(*expanded, strings({"openat"}));
}

TEST(SyscallGroupsTest, NestedGroupExpandsInFirstSeenOrder) {
  auto expanded = expand_syscall_group("@mount");
  ASSERT_TRUE(expanded.has_value()) << expanded.error();
  // "@mount-api" sorts first among @mount's members, so its contents come first.
  EXPECT_EQ(*expanded, strings({"fsconfig", "fsmount", "fsopen", "fspick", "mount_setattr", "move_mount",
                                "open_tree", "mount", "umount", "umount2"}));
  EXPECT_NE(std::ranges::find(*expanded, "fsopen"), expanded->end());
  std::set<std::string> unique(expanded->begin(), expanded->end());
  EXPECT_EQ(unique.size(), expanded->size());
}

TEST(SyscallGroupsTest, UnknownGroupIsAnErrorNamingIt) {
  auto expanded = expand_syscall_group("@no-such-group");
  ASSERT_FALSE(expanded.has_value());
  EXPECT_NE(expanded.error().find("@no-such-group"), std::string::npos) << expanded.error();
}

}  // namespace
}  // namespace tollgate
