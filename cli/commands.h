// Subcommands. Each lives in its own file and registers its options on the parent app; main() runs the
// one that was parsed. Adding a subcommand: a new cli/<name>_command.cc with add_<name>_command, and one
// line in main.cc's list.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cli/policy_source.h"
#include "cli/supervisor_control.h"

namespace CLI {
class App;
}

namespace tollgate {

struct Subcommand {
  CLI::App* app;
  std::function<int()> run;  // returns the process exit status
};

Subcommand add_run_command(CLI::App& parent);
Subcommand add_supervise_command(CLI::App& parent);
Subcommand add_ctl_command(CLI::App& parent);

struct RunOptions {
  PolicyChoice policy;
  std::optional<std::string> supervisor_socket;  // hand the listener to a daemon instead of serving it here
  bool quiet = false;
  std::optional<std::string> events_path;
  std::vector<std::string> metadata;  // key=value
  std::vector<std::string> command;
  ControlOptions control{.socket_path = ""};  // --interactive: held calls asked about on --tty
};

struct SuperviseOptions {
  std::string socket_path = "/run/tollgate/tollgate.sock";
  bool quiet = false;
  std::optional<std::string> events_path;
  ControlOptions control;
};

int run_command(const RunOptions& options);
int supervise_command(const SuperviseOptions& options);

}  // namespace tollgate
