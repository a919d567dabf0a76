// Man pages built from the CLI11 definition itself (names, options, descriptions, defaults) plus prose in
// Markdown, so that a page cannot drift from `--help`: NAME, SYNOPSIS and OPTIONS (and COMMANDS, for a
// command with subcommands) are generated; the prose supplies the rest. A line "{{OPTIONS}}" in the prose
// places the generated sections; without it they follow the prose's first section.
#pragma once

#include <string>
#include <string_view>

namespace CLI {
class App;
}

namespace tollgate {

// `command` is the app for `tollgate` or one of its subcommands; `page_name` e.g. "tollgate-run".
std::string command_man_page(const CLI::App& command, std::string_view page_name, std::string_view prose);

// A page that is prose only, e.g. tollgate-policy(5) from docs/policy.md.
std::string prose_man_page(std::string_view page_name, int section, std::string_view summary,
                           std::string_view prose);

}  // namespace tollgate
