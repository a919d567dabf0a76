// Replacing a file so that a reader sees the old content or the new, never a half-written one: the engine or
// the runtime may read config.json at any moment, and a crash mid-write must not leave a broken bundle.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace tollgate {

// Writes a temporary file beside `path` with the same permissions (`new_file_mode` when there is no file
// yet), syncs it, and renames it over `path`. Error: what failed, with strerror.
std::expected<void, std::string> replace_file_atomically(const std::string& path, std::string_view content,
                                                         unsigned new_file_mode = 0600);

}  // namespace tollgate
