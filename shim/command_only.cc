#include "shim/command_only.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "core/install_paths.h"
#include "shim/atomic_file.h"
#include "shim/command_only_files.h"
#include "shim/command_only_filter.h"
#include "shim/command_only_spec.h"
#include "shim/spec_fields.h"

namespace tollgate {
namespace {

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

std::expected<std::string, std::string> prepare_command_only(nlohmann::json& spec, const ContainerSettings& settings,
                                                             const RuntimeCommandLine& line,
                                                             const RuntimeConfig& config) {
  const std::string who = "container " + line.container_id.value_or("(no id)") +
                          " (tollgate mode command-only, from " + settings.mode_source + ")";
  auto refuse = [&](const std::string& why) { return std::unexpected(who + ": " + why); };
  if (!line.container_id) return refuse("the runtime's command line names no container");
  // `run` in the foreground deletes the container inside the runtime: the engine never calls `delete`,
  // and nothing would remove the filter file.
  if (line.command == "run" && !line.detach)
    return refuse("command-only needs `create` then `start` (as Docker, Podman and containerd run containers) "
                  "or `run --detach`, so that the engine's `delete` removes the container's filter file");
  // The profile is the engine's: a tollgate policy's rules need the daemon, which this mode does without.
  if (settings.policy && settings.policy_source != kRuntimeJsonSource)
    return refuse("it names the tollgate policy \"" + *settings.policy + "\" (from " + settings.policy_source +
                  "), but command-only installs the engine's own seccomp profile (--security-opt seccomp=) and "
                  "no policy");

  const std::string agent = command_agent_path().string();
  if (!is_regular_file(agent))
    return refuse("the command agent " + agent + " is not installed (it comes with the tollgate package)");
  auto program = compile_command_only_filter(engine_seccomp(spec), spec);
  if (!program) return refuse(program.error());
  auto filter_path = command_only_filter_path(config, line.root, *line.container_id);
  if (!filter_path) return refuse(filter_path.error());
  if (auto placed = place_command_agent(spec, agent, *filter_path); !placed) return refuse(placed.error());
  if (auto written = write_command_only_filter(*filter_path, *program); !written) return refuse(written.error());
  return *filter_path;
}

std::expected<void, std::string> prepare_command_only_exec(const RuntimeCommandLine& line,
                                                           const RuntimeConfig& config) {
  if (!line.container_id) return {};
  auto filter_path = command_only_filter_path(config, line.root, *line.container_id);
  if (!filter_path || !is_regular_file(*filter_path)) return {};  // not a command-only container
  const std::string who = "exec in container " + *line.container_id + " (tollgate mode command-only)";
  if (!line.process_file)
    return std::unexpected(who + ": only a process given as --process FILE (as engines give it) can be put "
                           "under the container's profile");
  std::ifstream in(*line.process_file);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json process = nlohmann::json::parse(text.str(), nullptr, false);
  if (!in || !process.is_object()) return std::unexpected(who + ": " + *line.process_file + " is not a JSON object");
  auto args = args_behind_agent(process.contains("args") ? &process["args"] : nullptr);
  if (!args) return std::unexpected(who + ": " + args.error());
  process["args"] = std::move(*args);
  if (auto written = replace_file_atomically(*line.process_file, process.dump()); !written)
    return std::unexpected(who + ": " + written.error());
  return {};
}

std::expected<void, std::string> forget_command_only_container(const RuntimeCommandLine& line,
                                                               const RuntimeConfig& config) {
  if (!line.container_id) return {};
  auto filter_path = command_only_filter_path(config, line.root, *line.container_id);
  if (!filter_path) return {};  // no file can have been written for it
  return remove_command_only_filter(*filter_path);
}

}  // namespace tollgate
