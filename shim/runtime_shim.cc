#include "shim/runtime_shim.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "shim/bundle_preparation.h"
#include "shim/command_only.h"
#include "shim/runtime_command_line.h"
#include "shim/runtime_config.h"
#include "shim/runtime_log.h"

namespace tollgate {

int run_runtime_shim(const std::vector<std::string>& args) {
  const RuntimeCommandLine line = read_runtime_command_line(args);
  auto config = load_runtime_config();
  if (!config) {
    report_runtime_error(line, "runtime shim configuration: " + config.error());
    return 1;
  }
  if (line.rewrites_spec()) {
    auto prepared = prepare_bundle(line, *config);
    if (!prepared) {
      report_runtime_error(line, prepared.error());
      return 1;
    }
  } else if (line.command == "exec") {
    if (auto ready = prepare_command_only_exec(line, *config); !ready) {
      report_runtime_error(line, ready.error());
      return 1;
    }
  } else if (line.command == "delete") {
    // Before the runtime runs: the container's process already holds its filter, and the mount keeps the
    // file's content for as long as the container exists. A file that cannot be removed does not stop the
    // delete; the message says where it is.
    if (auto forgotten = forget_command_only_container(line, *config); !forgotten)
      report_runtime_error(line, forgotten.error());
  }

  std::vector<char*> argv;
  argv.push_back(config->runtime.data());
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  report_runtime_error(line, "cannot run the runtime " + config->runtime + ": " + std::strerror(errno));
  return 1;
}

}  // namespace tollgate
