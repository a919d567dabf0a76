#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate {

// Diagnostics and decision lines go to stderr as "tollgate: ...", so they read apart from the target's output.
void setup_logging();
// "tollgate: error: ..." on stderr.
void report_error(std::string_view message);

class EventLog;
// The decision events of a command: lines on stderr unless quiet, JSON lines to `json_path` if given.
// nullptr (after reporting why) when the events file cannot be opened.
std::unique_ptr<EventLog> open_event_log(bool quiet, const std::optional<std::string>& json_path);

}  // namespace tollgate
