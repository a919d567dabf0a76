#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/policy_source.h"

namespace tollgate {

struct RunOptions {
  PolicyChoice policy;
  std::optional<std::string> supervisor_socket;  // hand the listener to a daemon instead of serving it here
  bool quiet = false;
  std::optional<std::string> events_path;
  std::vector<std::string> metadata;  // key=value
  std::vector<std::string> command;
};

struct SuperviseOptions {
  std::string socket_path = "/run/tollgate/tollgate.sock";
  bool quiet = false;
  std::optional<std::string> events_path;
};

int run_command(const RunOptions& options);
int supervise_command(const SuperviseOptions& options);

}  // namespace tollgate
