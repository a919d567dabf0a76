#pragma once

#include <spdlog/common.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate {

// Diagnostics and decision lines go to stderr as "tollgate: ...", so they read apart from the target's output.
// When stderr is the journal (a systemd service), each line carries its priority ("<4>...") instead.
void setup_logging();
// The --log-level names: trace, debug, info, warn, error. nullopt for anything else.
std::optional<spdlog::level::level_enum> log_level_named(std::string_view name);
inline constexpr const char* kLogLevelNames[] = {"trace", "debug", "info", "warn", "error"};
// "tollgate: error: ..." on stderr.
void report_error(std::string_view message);

class EventLog;
// The decision events of a command: lines on stderr unless quiet, JSON lines to `json_path` if given.
// nullptr (after reporting why) when the events file cannot be opened.
std::unique_ptr<EventLog> open_event_log(bool quiet, const std::optional<std::string>& json_path);

}  // namespace tollgate
