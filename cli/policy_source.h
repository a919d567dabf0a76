// Where `run` gets its policy: --policy (a tollgate policy), --profile (a Docker/OCI profile), both (the
// profile is the filter, the policy adds its rules), or neither (the shipped default.json).
#pragma once

#include <expected>
#include <optional>
#include <string>

#include "core/policy_parser.h"

namespace tollgate {

struct PolicyChoice {
  std::optional<std::string> policy_path;
  std::optional<std::string> profile_path;
};

struct LoadedPolicy {
  PolicyPtr policy;
  PolicyFlavor flavor;
};

// Error: "FILE: /pointer: message", ready to print.
std::expected<LoadedPolicy, std::string> load_policy_choice(const PolicyChoice& choice);

// The directory holding the shipped policies: $TOLLGATE_POLICY_DIR, the installed copy, or the source tree.
std::string shipped_policy_dir();

PolicyParseOptions parse_options_for(PolicyFlavor flavor);

}  // namespace tollgate
