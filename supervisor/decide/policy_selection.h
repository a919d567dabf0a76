// Which policy decides a container's calls. The runtime passes `linux.seccomp.listenerMetadata` verbatim:
// tollgate reads it as `key=value` lines (docs/oci.md). The policy comes from the metadata's `policy`, else
// the container's `io.tollgate.policy` annotation, else the daemon's default; names resolve inside the policy
// directory only.
#pragma once

#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "tollgate/policy_mode.h"

namespace tollgate {

inline constexpr std::string_view kPolicyAnnotation = "io.tollgate.policy";

struct ListenerMetadata {
  std::optional<std::string> policy;
  PolicyMode mode = PolicyMode::Enforce;
  std::map<std::string, std::string> other;  // keys tollgate does not interpret; shown in events
};

// Lines of `key=value`; blank lines and lines starting with '#' are skipped, spaces around key and value are
// trimmed. Error (naming the line): a line without '=', an empty key, a repeated key, an unknown mode.
std::expected<ListenerMetadata, std::string> parse_listener_metadata(std::string_view text);

struct PolicySelection {
  std::string name;
  std::string source;  // "listenerMetadata", "annotation" or "default", for logs
  PolicyMode mode = PolicyMode::Enforce;
};

PolicySelection select_policy(const ListenerMetadata& metadata,
                              const std::map<std::string, std::string>& annotations,
                              const std::string& default_name);

// The file name NAME stands for, relative to a policy directory: NAME, or NAME.json when it has no .json.
// Refused: empty names, absolute paths and ".." components. Error: a message for the log.
std::expected<std::filesystem::path, std::string> policy_file_name(std::string_view name);

// NAME or NAME.json inside DIR. Refused: empty names, absolute paths, ".." components, and anything that
// (through symlinks) lands outside DIR. Error: a message for the log.
std::expected<std::filesystem::path, std::string> resolve_policy_name(const std::filesystem::path& dir,
                                                                      std::string_view name);

}  // namespace tollgate
