#pragma once

#include <string_view>

namespace tollgate {

// Diagnostics and decision lines go to stderr as "tollgate: ...", so they read apart from the target's output.
void setup_logging();
// "tollgate: error: ..." on stderr.
void report_error(std::string_view message);

}  // namespace tollgate
