// Where a command-only container's compiled filter lives on the host: one file per container, in a
// directory the shim owns (runtime.json's commandOnlyDir; by default the runtime directory's
// command-only/, e.g. /run/tollgate/command-only), named after the runtime's --root and the container id,
// which every engine passes again to `delete`. `create` writes it, the runtime bind-mounts it into the
// container, and the shim removes it when the engine deletes the container.
#pragma once

#include <linux/filter.h>

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "shim/runtime_config.h"

namespace tollgate {

// The file of container `id` under runtime root `root` (none: the runtime's default root). Error: an id
// that is not a runc container id ([A-Za-z0-9_+.-], not starting with a dot), so that it can never name a
// path outside the directory.
std::expected<std::string, std::string> command_only_filter_path(const RuntimeConfig& config,
                                                                 const std::optional<std::string>& root,
                                                                 const std::string& id);

// Creates the directory when needed and writes the program, readable by everyone (the container's user,
// whoever it is, reads it through the bind mount). Error: what failed, with the path.
std::expected<void, std::string> write_command_only_filter(const std::string& path,
                                                           const std::vector<sock_filter>& program);

// Removes the file if it is there. Error: it is there and cannot be removed.
std::expected<void, std::string> remove_command_only_filter(const std::string& path);

}  // namespace tollgate
