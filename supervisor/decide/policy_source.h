// Where `run` gets its policy: --policy (a tollgate policy), --profile (a Docker/OCI profile), both (the
// profile is the filter, the policy adds its rules), or neither (the shipped default.json).
#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// Where policy names resolve: directories in order, the first holding a file of that name wins. A missing
// directory is skipped; a name refused in one (a symlink out of it, say) is refused, not looked up further.
struct PolicySearchPath {
  std::vector<std::filesystem::path> dirs;
  // Error: a message naming every directory looked in.
  std::expected<std::filesystem::path, std::string> resolve(std::string_view name) const;
  // "DIR, DIR, ..." for messages and --version.
  std::string describe() const;
};

// The shipped policies: $TOLLGATE_POLICY_DIR alone when set; else a user's own ($XDG_CONFIG_HOME/tollgate/
// policies, not for root), the administrator's (/etc/tollgate/policies), and the packaged ones
// (/usr/share/tollgate/policies), or in a development build the source tree's policies/ in their place.
PolicySearchPath shipped_policy_path();

PolicyParseOptions parse_options_for(PolicyFlavor flavor);

// A daemon's own policies: a directory, and the name used when a target names none.
struct DaemonPolicies {
  PolicySearchPath search_path;
  std::string default_name = "default";
  // NAME or NAME.json inside `search_path`'s directories only (resolve_policy_name's rules), as a tollgate
  // policy: only its rules matter, the filter is installed already. Error: a message for the log.
  std::expected<PolicyPtr, std::string> load(const std::string& name) const;
};

}  // namespace tollgate
