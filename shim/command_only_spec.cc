#include "shim/command_only_spec.h"

#include "shim/spec_fields.h"

namespace tollgate {
namespace {

constexpr std::string_view kAgentDir = "/dev/.tollgate";

std::string destination_of(const nlohmann::json& mount) {
  if (!mount.is_object() || !mount.contains("destination") || !mount["destination"].is_string()) return "";
  std::string destination = mount["destination"].get<std::string>();
  while (destination.size() > 1 && destination.back() == '/') destination.pop_back();
  return destination;
}

std::expected<void, std::string> check_mounts(const nlohmann::json& config) {
  bool dev_is_tmpfs = false;
  if (auto mounts = config.find("mounts"); mounts != config.end() && mounts->is_array()) {
    for (const auto& mount : *mounts) {
      const std::string destination = destination_of(mount);
      if (destination == "/dev") dev_is_tmpfs = mount.value("type", "") == "tmpfs";
      if (destination == kAgentDir || destination.starts_with(std::string(kAgentDir) + "/"))
        return std::unexpected("it already mounts " + destination + ", where command-only puts its agent");
    }
  }
  if (!dev_is_tmpfs)
    return std::unexpected("command-only puts its agent in the container's /dev, which must be a tmpfs mount (as "
                           "Docker, Podman and containerd make it) so that the image is not written; this "
                           "container's config.json mounts no tmpfs on /dev");
  return {};
}

nlohmann::json read_only_bind(const std::string& source, std::string_view destination, bool executable) {
  nlohmann::json options = {"bind", "ro", "nosuid", "nodev"};
  if (!executable) options.push_back("noexec");
  return {{"destination", destination}, {"type", "bind"}, {"source", source}, {"options", options}};
}

}  // namespace

std::expected<nlohmann::json, std::string> args_behind_agent(const nlohmann::json* args) {
  if (args == nullptr || !args->is_array() || args->empty())
    return std::unexpected("its process has no args: there is no command to put the profile in front of");
  for (const auto& arg : *args)
    if (!arg.is_string()) return std::unexpected("its process args are not all strings");
  nlohmann::json behind = {kAgentInContainer, kFilterInContainer, "--"};
  behind.insert(behind.end(), args->begin(), args->end());
  return behind;
}

std::expected<void, std::string> place_command_agent(nlohmann::json& config, const std::string& agent_on_host,
                                                     const std::string& filter_on_host) {
  auto args = args_behind_agent(process_args(config));
  if (!args) return std::unexpected(args.error());
  if (auto mounts = check_mounts(config); !mounts) return mounts;
  if (auto linux_section = config.find("linux"); linux_section != config.end() && linux_section->is_object())
    linux_section->erase("seccomp");
  config["process"]["args"] = std::move(*args);
  // Last, so that no mount of the engine's is made on top of them.
  config["mounts"].push_back(read_only_bind(agent_on_host, kAgentInContainer, true));
  config["mounts"].push_back(read_only_bind(filter_on_host, kFilterInContainer, false));
  return {};
}

}  // namespace tollgate
