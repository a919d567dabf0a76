#include "core/skipped_names_note.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/syscall_names.h"

namespace tollgate {
namespace {

// At most `most` names, then how many more: a multi-architecture profile leaves out a hundred names of other
// architectures, and one line should stay readable in a container's output.
std::string joined(const std::vector<std::string>& names, size_t most) {
  std::string text;
  for (size_t i = 0; i < names.size() && i < most; ++i) text += (i == 0 ? "" : ", ") + names[i];
  if (names.size() > most) text += " and " + std::to_string(names.size() - most) + " more";
  return text;
}

constexpr size_t kAllNames = SIZE_MAX;
constexpr size_t kSomeForeignNames = 8;

void add_once(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

}  // namespace

std::string skipped_names_note(const Policy& policy) {
  std::vector<std::string> foreign, unknown;
  for (const SkippedName& s : policy.filter.skipped_names) add_once(s.unknown_to_libseccomp ? unknown : foreign, s.name);
  if (foreign.empty() && unknown.empty()) return {};
  std::string text = policy.source_path + ": left out of the filter, as runc does (no such syscall here): ";
  // Every name unknown to libseccomp (a typo, or a syscall newer than libseccomp, worth seeing); the other
  // architectures' names only in part.
  if (!unknown.empty())
    text += joined(unknown, kAllNames) + " (" + describe(SyscallNameProblem::UnknownToLibseccomp) + ")";
  if (!foreign.empty() && !unknown.empty()) text += "; ";
  if (!foreign.empty())
    text += joined(foreign, kSomeForeignNames) + " (" + describe(SyscallNameProblem::NotOnThisArch) + ")";
  if (foreign.size() > kSomeForeignNames) text += "; `tollgate lint --verbose " + policy.source_path + "` lists all";
  return text;
}

}  // namespace tollgate
