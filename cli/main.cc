// tollgate: one binary, subcommands in the style of podman and crun.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/logging.h"
#include "cli/version.h"

namespace {

constexpr const char* kDescription =
    "tollgate: a seccomp user-notification supervisor.\n"
    "Sensitive syscalls of a program are sent to tollgate, which decides them by policy:\n"
    "allow, fail with an errno, or emulate them safely on the caller's behalf.\n"
    "`tollgate shim RUNC-ARGS...` (or a link named tollgate-runtime) is an OCI runtime in front of runc\n"
    "or crun for Docker, Podman and containerd (docs/containers.md).";

}  // namespace

int main(int argc, char** argv) {
  if (auto status = tollgate::run_shim_if_asked(argc, argv)) return *status;
  tollgate::setup_logging();
  CLI::App app(kDescription, "tollgate");
  app.set_version_flag("--version", tollgate::version_text);
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "least important messages shown: trace, debug, info, warn, error")
      ->check(CLI::IsMember(
          std::vector<std::string>(std::begin(tollgate::kLogLevelNames), std::end(tollgate::kLogLevelNames))))
      ->capture_default_str();

  const std::vector<tollgate::Subcommand> subcommands = {
      tollgate::add_run_command(app),      tollgate::add_supervise_command(app),
      tollgate::add_lint_command(app),     tollgate::add_learn_command(app),
      tollgate::add_ctl_command(app),      tollgate::add_man_command(app),
      tollgate::add_complete_command(app),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : tollgate::exit_code::kUsage;
  }
  spdlog::set_level(*tollgate::log_level_named(log_level));
  for (const auto& sub : subcommands)
    if (sub.app->parsed()) return sub.run();
  return tollgate::exit_code::kUsage;
}
