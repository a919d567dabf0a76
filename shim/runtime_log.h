// The shim's own errors, where the engine looks for the runtime's: the --log file in the --log-format the
// engine asked for (runc's logrus lines: text or JSON), and stderr, which Docker and Podman show.
#pragma once

#include <string>
#include <string_view>

#include "shim/runtime_command_line.h"

namespace tollgate {

// One line in runc's format: `{"level":"error","msg":...,"time":...}` or `time="..." level=error msg="..."`.
std::string format_runtime_log_line(RuntimeLogFormat format, std::string_view level, std::string_view message,
                                    std::string_view time);

// Appends an error line to the log file (if the command line names one) and writes "tollgate: MESSAGE" to
// stderr. Failing to open the log is not fatal: stderr still carries the message.
void report_runtime_error(const RuntimeCommandLine& line, std::string_view message);

}  // namespace tollgate
