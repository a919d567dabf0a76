#include "shim/command_only_filter.h"

#include "profile/filter_compiler.h"
#include "shim/spec_fields.h"
#include "supervisor/decide/policy_source.h"

namespace tollgate {
namespace {

constexpr const char* kNoDaemon =
    ": command-only starts no tollgate daemon for the container and gives it no socket to one, so nothing "
    "would answer them. Use mode enforce for a profile with NOTIFY entries, or take them out";

// The NOTIFY entries that apply to this container, as "name, name (/syscalls/3)"; empty when there are none.
std::string notified_entries(const FilterLayer& filter, const FilterEnvironment& env) {
  std::string found;
  if (filter.default_action == FilterAction::Notify) found = "every call no entry names (/defaultAction)";
  for (const SyscallEntry& entry : filter.syscalls) {
    if (entry.action != FilterAction::Notify || !entry_applies(entry, env)) continue;
    std::string names;
    for (const auto& name : entry.names) names += (names.empty() ? "" : ", ") + name;
    found += (found.empty() ? "" : "; ") + names + " (" + entry.json_pointer + ")";
  }
  return found;
}

}  // namespace

std::expected<std::vector<sock_filter>, std::string> compile_command_only_filter(const nlohmann::json* profile,
                                                                                 const nlohmann::json& config) {
  if (profile == nullptr)
    return std::unexpected(
        "the container has no seccomp profile (linux.seccomp): nothing to install before its command");
  if (!profile->is_object()) return std::unexpected("its seccomp profile (linux.seccomp) is not a JSON object");
  if (auto listener = profile->find("listenerPath"); listener != profile->end() && !listener->empty())
    return std::unexpected("its seccomp profile sends calls to the listener " + listener->dump() + kNoDaemon);

  auto parsed = parse_policy_json(*profile, "linux.seccomp", parse_options_for(PolicyFlavor::DockerProfile));
  if (!parsed) return std::unexpected("its seccomp profile does not compile: " + parsed.error().to_string());
  FilterEnvironment env = FilterEnvironment::of_this_process();
  env.bounding_caps = bounding_capabilities(config);
  if (std::string notified = notified_entries((*parsed)->filter, env); !notified.empty())
    return std::unexpected("its seccomp profile sends " + notified + " to a supervisor (SCMP_ACT_NOTIFY)" +
                           kNoDaemon);
  auto compiled = compile_filter((*parsed)->filter, env);
  if (!compiled) return std::unexpected("its seccomp profile does not compile: " + compiled.error());
  return std::move(compiled->program);
}

}  // namespace tollgate
