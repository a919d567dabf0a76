// Audit's corrected candidate: profile P with the minimal change that would have allowed every recorded
// call. A name denied by an entry of its own is taken out of that entry; a name that fell to the
// defaultAction is added to P's main allow entry, or, where P allows that syscall only for certain argument
// values, gets an entry of its own conditioned on the same arguments with the values seen. The result is
// checked the same way the run was judged: compiled, and every recorded call evaluated against it.
#pragma once

#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "profile/filter_environment.h"
#include "supervisor/diagnose/audit_recorder.h"

namespace tollgate {

struct SuggestedProfile {
  nlohmann::ordered_json document;   // valid Docker/OCI profile JSON, in the profile's own key order
  std::vector<std::string> changes;  // one line each, for the report
};

// original_text: the profile file as written, whose key order the suggestion keeps.
// Error: the change could not be made to work (a message naming the syscall).
std::expected<SuggestedProfile, std::string> suggest_profile(
    const Policy& profile, const FilterEnvironment& env, const std::vector<const AuditFinding*>& findings,
    const std::optional<std::string>& original_text = {});

}  // namespace tollgate
