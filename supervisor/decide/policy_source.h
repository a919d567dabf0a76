// Where `run` gets its policy: --policy (a tollgate policy), --profile (a Docker/OCI profile), both (the
// profile is the filter, the policy adds its rules), or neither (the shipped default.json).
#pragma once

#include <expected>
#include <filesystem>
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

// A daemon's own policies: a directory, and the name used when a target names none.
struct DaemonPolicies {
  std::filesystem::path dir;
  std::string default_name = "default";
  // NAME or NAME.json inside `dir` only (resolve_policy_name's rules), as a tollgate policy: only its rules
  // matter, the filter is installed already. Error: a message for the log.
  std::expected<PolicyPtr, std::string> load(const std::string& name) const;
};

}  // namespace tollgate
