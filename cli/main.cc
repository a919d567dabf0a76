// tollgate: one binary, subcommands in the style of podman and crun.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/logging.h"

namespace {

constexpr const char* kDescription =
    "tollgate: a seccomp user-notification supervisor.\n"
    "Sensitive syscalls of a program are sent to tollgate, which decides them by policy:\n"
    "allow, fail with an errno, or emulate them safely on the caller's behalf.";

}  // namespace

int main(int argc, char** argv) {
  tollgate::setup_logging();
  CLI::App app(kDescription, "tollgate");
  app.set_version_flag("--version", std::string("tollgate ") + TOLLGATE_VERSION);
  app.require_subcommand(1);

  tollgate::RunOptions run;
  CLI::App* run_cmd = app.add_subcommand("run", "Run a command under a policy, supervised by this process or a daemon");
  run_cmd->add_option("--policy", run.policy.policy_path,
                      "tollgate policy (JSON); default: the shipped default.json")
      ->check(CLI::ExistingFile);
  run_cmd->add_option("--profile", run.policy.profile_path,
                      "Docker/OCI seccomp profile used as the filter (with --policy: the policy adds its rules)")
      ->check(CLI::ExistingFile);
  run_cmd->add_option("--supervisor", run.supervisor_socket,
                      "hand the listener to `tollgate supervise` at this socket instead of serving it here");
  run_cmd->add_flag("-q,--quiet", run.quiet, "no decision lines on stderr");
  run_cmd->add_option("--events", run.events_path, "append one JSON object per decision to FILE (docs/events.md)");
  run_cmd->add_option("--metadata", run.metadata, "KEY=VALUE attached to this target's events (repeatable)");
  run_cmd->add_option("command", run.command, "the command and its arguments (after --)")->required();
  run_cmd->footer(
      "\nExit status: the command's own; 128+N when it was killed by signal N; 2 for a bad command line or\n"
      "policy; 125 when tollgate itself failed; 126 when the command could not be executed; 127 when it was\n"
      "not found. SIGINT, SIGTERM, SIGHUP and SIGQUIT are forwarded to the command.\n\n"
      "Example: tollgate run -- sh -c 'mount -t tmpfs none /mnt; echo rc=$?'");

  tollgate::SuperviseOptions supervise;
  CLI::App* supervise_cmd =
      app.add_subcommand("supervise", "Serve listeners handed over by `tollgate run --supervisor` (a daemon)");
  supervise_cmd->add_option("--socket", supervise.socket_path, "Unix socket to accept listeners on (mode 0600)")
      ->capture_default_str();
  supervise_cmd->add_flag("-q,--quiet", supervise.quiet, "no decision lines on stderr");
  supervise_cmd->add_option("--events", supervise.events_path, "append one JSON object per decision to FILE");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : tollgate::exit_code::kUsage;
  }
  if (run_cmd->parsed()) return tollgate::run_command(run);
  if (supervise_cmd->parsed()) return tollgate::supervise_command(supervise);
  return tollgate::exit_code::kUsage;
}
