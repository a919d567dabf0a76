#include "profile/kernel_syscalls.h"

#include <fstream>
#include <string_view>

namespace tollgate {
namespace {

#if defined(__x86_64__)
constexpr std::string_view kEntryPrefix = "__x64_sys_";
#elif defined(__aarch64__)
constexpr std::string_view kEntryPrefix = "__arm64_sys_";
#else
constexpr std::string_view kEntryPrefix = "";
#endif

// Entry points whose symbol is not the syscall's name.
constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"umount", "umount2"},
};

}  // namespace

std::optional<std::set<std::string>> kernel_syscall_names() {
  if (kEntryPrefix.empty()) return std::nullopt;
  std::ifstream in("/proc/kallsyms");
  std::set<std::string> names;
  std::string address, type, symbol;
  while (in >> address >> type >> symbol) {
    in.ignore(1 << 16, '\n');  // a module name may follow
    if (!symbol.starts_with(kEntryPrefix)) continue;
    std::string name = symbol.substr(kEntryPrefix.size());
    for (auto [entry, alias] : kAliases)
      if (name == entry) names.insert(std::string(alias));
    names.insert(std::move(name));
  }
  if (names.empty()) return std::nullopt;
  return names;
}

}  // namespace tollgate
