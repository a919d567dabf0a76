// Parses tollgate policies and Docker/OCI seccomp profiles into one immutable Policy.
#pragma once

#include <expected>
#include <functional>
#include <optional>
#include <utility>
#include <string>
#include <string_view>

#include "tollgate/policy.h"

namespace tollgate {

enum class PolicyFlavor {
  // A tollgate policy: strict. Unknown keys and unknown syscall names are errors (unless the entry is
  // "optional"), rules are allowed.
  Tollgate,
  // A Docker/moby or OCI profile: accepted unchanged, as runc would. Names unknown here are skipped (and
  // recorded in FilterLayer::skipped_names); unknown keys are ignored.
  DockerProfile,
};

struct PolicyParseOptions {
  PolicyFlavor flavor = PolicyFlavor::Tollgate;
  // Emulation handlers this build has; an "emulate" rule naming another is a load error.
  std::function<bool(std::string_view)> handler_exists = [](std::string_view) { return false; };
  // What is wrong with an emulate rule's "options" for its handler: {JSON pointer relative to "options",
  // message}, or nullopt when they are fine.
  std::function<std::optional<std::pair<std::string, std::string>>(std::string_view, const nlohmann::json&)>
      handler_options_error = [](std::string_view, const nlohmann::json&) {
        return std::optional<std::pair<std::string, std::string>>();
      };
};

struct PolicyError {
  std::string file;
  std::string json_pointer;  // may be empty for whole-file errors
  std::string message;
  std::string to_string() const;
};

std::expected<PolicyPtr, PolicyError> parse_policy_text(std::string_view text, const std::string& file,
                                                        const PolicyParseOptions& options);
std::expected<PolicyPtr, PolicyError> load_policy_file(const std::string& path, const PolicyParseOptions& options);
// Builds from an already parsed document (the handover envelope carries one).
std::expected<PolicyPtr, PolicyError> parse_policy_json(const nlohmann::json& doc, const std::string& file,
                                                        const PolicyParseOptions& options);

std::string_view to_string(FilterAction action);
std::string_view to_string(RuleAction action);

}  // namespace tollgate
