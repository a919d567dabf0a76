// `create`/`run`: the bundle's config.json made ready for the mode its container asks for, before the real
// runtime reads it. A container that asks for nothing is not touched at all.
#pragma once

#include <expected>
#include <optional>
#include <string>

#include "shim/runtime_command_line.h"
#include "shim/runtime_config.h"

namespace tollgate {

struct PreparedBundle {
  bool rewritten = false;
  std::string summary;  // for the log: mode, policy, where they came from
};

// `line` is a create or run: its bundle, container id and --root. Fails closed: an unreadable or malformed
// config.json, an unknown or not yet supported mode, a policy that does not load, a daemon socket that is
// not there (modes that need the daemon), or a profile command-only cannot install stop the container
// before it starts.
std::expected<PreparedBundle, std::string> prepare_bundle(const RuntimeCommandLine& line,
                                                          const RuntimeConfig& config);

}  // namespace tollgate
