// Subcommands. Each lives in its own file and registers its options on the parent app; main() runs the
// one that was parsed. Adding a subcommand: a new cli/<name>_command.cc with add_<name>_command, and one
// line in main.cc's list.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/install_paths.h"
#include "supervisor/daemon/supervisor_control.h"
#include "supervisor/decide/policy_source.h"

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
Subcommand add_lint_command(CLI::App& parent);
Subcommand add_learn_command(CLI::App& parent);
Subcommand add_ctl_command(CLI::App& parent);
// Hidden, for the build: man pages and completion scripts generated from `root`'s definition.
Subcommand add_man_command(CLI::App& root);
Subcommand add_complete_command(CLI::App& root);

// `tollgate shim ARGS...` and a binary named tollgate-runtime take runc's command line, which CLI11 must not
// parse: the exit status when argv asks for the shim, nullopt otherwise.
std::optional<int> run_shim_if_asked(int argc, char** argv);

struct RunOptions {
  PolicyChoice policy;
  std::optional<std::string> supervisor_socket;  // hand the listener to a daemon instead of serving it here
  // Diagnostic modes (cli/run_mode.h): explain or audit the profile, or learn one.
  bool explain = false;
  bool audit = false;
  std::optional<std::string> report_path;   // audit: JSON report
  std::optional<std::string> suggest_path;  // audit: the profile with the minimal change that allows the run
  std::optional<std::string> learn_output;  // learn: where the learned profile goes
  std::optional<std::string> learn_merge;   // learn: a profile to add the learned syscalls to
  bool quiet = false;
  std::optional<std::string> events_path;
  std::vector<std::string> metadata;  // key=value
  std::vector<std::string> command;
  bool rootless = false;  // new user + mount namespaces, our uid/gid mapped to root inside
  bool pidns = false;     // with rootless: a new pid namespace too
  bool netns = false;     // with rootless: a new network namespace too
  ControlOptions control{.socket_path = ""};  // --interactive: held calls asked about on --tty
};

struct SuperviseOptions {
  std::string socket_path = (runtime_dir() / "tollgate.sock").string();
  bool quiet = false;
  std::optional<std::string> events_path;
  // OCI runtimes (linux.seccomp.listenerPath): they may use --socket too, or a socket of their own.
  std::optional<std::string> oci_socket_path;
  std::optional<std::string> policy_dir;       // default: the shipped policies
  std::optional<std::string> default_policy;   // default: "default"
  std::vector<std::string> allow_users;        // --allow-uid: names or numbers
  std::optional<std::string> metrics_address;  // HOST:PORT of the Prometheus endpoint; none by default
  // Containers' audit and learn reports: files there (default: default_report_dir(), when it can be made),
  // and at most report_limit kept in memory for `ctl report`.
  std::optional<std::string> report_dir;
  size_t report_limit = 64;
  // Serving loops (threads) the listeners are shared across; 0: one per CPU the daemon may run on.
  unsigned loops = 0;
  // --keeper: a keeper process holds the listeners and restarts the daemon when it dies.
  bool keeper = false;
  // --fd-store (with --keeper): the keeper also keeps everything in systemd's fd store.
  bool fd_store = false;
  ControlOptions control;
};

int run_command(const RunOptions& options);
int supervise_command(const SuperviseOptions& options);

}  // namespace tollgate
