// What the shim needs from a runc-style command line, without owning it: the command, the log settings
// (its own errors go where the runtime's go), the runtime's --root, and the container of `create`, `run`,
// `exec` and `delete`. The arguments themselves are passed on to the real runtime unchanged.
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
  std::optional<std::string> root;          // --root: the runtime's state directory
  std::string bundle = ".";                 // --bundle / -b of create and run; the cwd by default
  std::optional<std::string> container_id;  // of create, run, exec and delete
  bool detach = false;                      // run --detach / -d
  std::optional<std::string> process_file;  // exec --process / -p: the process to start, as JSON

  bool rewrites_spec() const { return command == "create" || command == "run"; }
};

// Global flags of runc 1.1 and crun 1.8 that take a value (`--root DIR` or `--root=DIR`) are known by name;
// any other flag before the command is taken as a switch, and so are exec's flags not known to take a
// value. Never fails: what it cannot read is the real runtime's to reject.
RuntimeCommandLine read_runtime_command_line(const std::vector<std::string>& args);

}  // namespace tollgate
