#include "tollgate/policy_mode.h"

namespace tollgate {

std::string_view to_string(PolicyMode mode) {
  switch (mode) {
    case PolicyMode::Enforce:
      return "enforce";
    case PolicyMode::Audit:
      return "audit";
    case PolicyMode::Explain:
      return "explain";
    case PolicyMode::Learn:
      return "learn";
  }
  return "?";
}

std::optional<PolicyMode> parse_policy_mode(std::string_view text) {
  if (text.empty() || text == "enforce") return PolicyMode::Enforce;
  if (text == "audit") return PolicyMode::Audit;
  if (text == "explain") return PolicyMode::Explain;
  if (text == "learn") return PolicyMode::Learn;
  return std::nullopt;
}

}  // namespace tollgate
