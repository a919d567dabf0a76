// Where tollgate keeps its files, as configured at build time (CMake's GNUInstallDirs) and, for users other
// than root, as the XDG base directories say. Installed builds know only these directories; a development
// build (TOLLGATE_DEVELOPMENT_BUILD) also reads the policies of the source tree it was built from, so that
// `build/tollgate` works in a checkout, and `--version` says so.
#pragma once

#include <filesystem>
#include <optional>

namespace tollgate {

bool is_development_build();
// The source tree's policies/; empty in an installed build.
std::filesystem::path source_policy_dir();
// The packaged policies, e.g. /usr/share/tollgate/policies.
std::filesystem::path packaged_policy_dir();
// The administrator's policies, e.g. /etc/tollgate/policies: a file here replaces the packaged one of the
// same name, as /etc overrides /usr/lib for systemd units.
std::filesystem::path admin_policy_dir();
// A user's own configuration ($XDG_CONFIG_HOME/tollgate, else ~/.config/tollgate); nullopt for root, whose
// configuration is the system's.
std::optional<std::filesystem::path> user_config_dir();
// Sockets and other runtime state: /run/tollgate for root, $XDG_RUNTIME_DIR/tollgate for other users (and
// /run/tollgate when they have no XDG_RUNTIME_DIR, where creating it then fails with a clear error).
std::filesystem::path runtime_dir();
// Persistent state (learned rules, reports): e.g. /var/lib/tollgate.
std::filesystem::path state_dir();
// The static program the runtime shim bind-mounts into command-only containers, e.g.
// /usr/libexec/tollgate/tollgate-command-agent; a development build uses the one it built when it exists.
std::filesystem::path command_agent_path();
// Where `tollgate supervise` writes containers' audit and learn reports: state_dir()/reports for root;
// for other users $XDG_STATE_HOME/tollgate/reports, else ~/.local/state/tollgate/reports.
std::filesystem::path default_report_dir();

}  // namespace tollgate
