// tollgate-shim(1): the shim takes runc's command line, not CLI11's, so its page cannot come from a command
// definition. Its prose is man/tollgate-shim.md; its lists of modes and runtime.json keys come from the
// tables the shim itself parses with (shim/container_settings.h, shim/runtime_config.h).
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace tollgate {

inline constexpr std::string_view kShimPage = "tollgate-shim";

// The roff page: `prose` with its "{{MODES}}" and "{{SETTINGS}}" lines replaced by the generated tables.
// Error: a placeholder is missing from the prose.
std::expected<std::string, std::string> shim_man_page(std::string_view prose);

}  // namespace tollgate
