// `tollgate learn`: run a command with every syscall recorded and continued, and write the profile it needs.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace tollgate {

Subcommand add_learn_command(CLI::App& parent) {
  auto options = std::make_shared<RunOptions>();
  options->quiet = true;  // one line per syscall would drown the program's own output
  options->learn_output.emplace();
  CLI::App* cmd = parent.add_subcommand(
      "learn", "Run a command with every syscall recorded (and allowed), and write the profile it needs");
  cmd->add_option("-o,--output", *options->learn_output,
                  "where to write the learned profile (Docker/OCI JSON)")
      ->required();
  cmd->add_option("--merge", options->learn_merge,
                  "add what the run needs to this existing profile instead of writing a fresh allow-list")
      ->check(CLI::ExistingFile);
  cmd->add_option("--events", options->events_path, "append one JSON object per recorded call to FILE");
  cmd->add_option("command", options->command, "the command and its arguments (after --)")->required();
  cmd->footer(
      "\nNothing is enforced while learning: every call runs. Run the result with\n"
      "`tollgate run --explain --profile FILE -- COMMAND` to see anything it misses.\n\n"
      "Example: tollgate learn -o ls.json -- ls -l /");
  return {cmd, [options] { return run_command(*options); }};
}

}  // namespace tollgate
