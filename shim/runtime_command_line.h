// What the shim needs from a runc-style command line, without owning it: the command, the log settings
// (its own errors go where the runtime's go) and, for `create`/`run`, the bundle and container id. The
// arguments themselves are passed on to the real runtime unchanged.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tollgate {

enum class RuntimeLogFormat { Text, Json };

struct RuntimeCommandLine {
  std::optional<std::string> command;   // "create", "run", "state", ...; none for `runc --version`
  std::optional<std::string> log_path;  // --log
  RuntimeLogFormat log_format = RuntimeLogFormat::Text;
  std::string bundle = ".";                 // --bundle / -b of create and run; the cwd by default
  std::optional<std::string> container_id;  // the last argument of create and run

  bool rewrites_spec() const { return command == "create" || command == "run"; }
};

// Global flags of runc 1.1 and crun 1.8 that take a value (`--root DIR` or `--root=DIR`) are known by name;
// any other flag before the command is taken as a switch. Never fails: what it cannot read is the real
// runtime's to reject.
RuntimeCommandLine read_runtime_command_line(const std::vector<std::string>& args);

}  // namespace tollgate
