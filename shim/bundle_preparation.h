// `create`/`run`: the bundle's config.json made ready for the mode its container asks for, before the real
// runtime reads it. A container that asks for nothing is not touched at all.
#pragma once

#include <expected>
#include <optional>
#include <string>

#include "shim/runtime_config.h"

namespace tollgate {

struct PreparedBundle {
  bool rewritten = false;
  std::string summary;  // for the log: mode, policy, where they came from
};

// Fails closed: an unreadable or malformed config.json, an unknown or not yet supported mode, a policy that
// does not load, or a daemon socket that is not there stop the container before it starts.
// `container_id` only names the container in messages.
std::expected<PreparedBundle, std::string> prepare_bundle(const std::string& bundle,
                                                          const std::optional<std::string>& container_id,
                                                          const RuntimeConfig& config);

}  // namespace tollgate
