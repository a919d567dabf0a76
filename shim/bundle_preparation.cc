#include "shim/bundle_preparation.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "shim/atomic_file.h"
#include "shim/command_only.h"
#include "shim/command_only_files.h"
#include "shim/container_settings.h"
#include "shim/seccomp_rewrite.h"
#include "shim/spec_fields.h"
#include "supervisor/decide/container_profile.h"
#include "supervisor/decide/policy_source.h"

namespace tollgate {
namespace {

std::expected<nlohmann::json, std::string> read_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::unexpected("cannot read " + path + ": " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json config = nlohmann::json::parse(text.str(), nullptr, false);
  if (config.is_discarded() || !config.is_object()) return std::unexpected(path + " is not a JSON object");
  return config;
}

// Checked without connecting: a probe connection would reach the daemon as a runtime that sends nothing.
bool is_socket(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// What the policy's rules decide: their syscalls, and what its own filter already marks NOTIFY.
std::set<std::string> notified_by(const Policy& policy) {
  std::set<std::string> names;
  for (const Rule& rule : policy.rules) names.insert(rule.syscalls.begin(), rule.syscalls.end());
  for (const SyscallEntry& entry : policy.filter.syscalls)
    if (entry.action == FilterAction::Notify) names.insert(entry.names.begin(), entry.names.end());
  return names;
}

// command-only needs no daemon and no policy: the engine's profile goes to the agent.
std::expected<PreparedBundle, std::string> prepare_for_command_only(nlohmann::json& spec,
                                                                    const ContainerSettings& settings,
                                                                    const RuntimeCommandLine& line,
                                                                    const RuntimeConfig& config,
                                                                    const std::string& config_path) {
  auto filter_path = prepare_command_only(spec, settings, line, config);
  if (!filter_path) return std::unexpected(filter_path.error());
  if (auto written = replace_file_atomically(config_path, spec.dump(2)); !written) {
    (void)remove_command_only_filter(*filter_path);
    return std::unexpected(written.error());
  }
  return PreparedBundle{true, "container " + *line.container_id + ": mode command-only (from " +
                                  settings.mode_source + "), filter " + *filter_path};
}

std::string joined(const std::set<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

}  // namespace

std::expected<PreparedBundle, std::string> prepare_bundle(const RuntimeCommandLine& line,
                                                          const RuntimeConfig& config) {
  const std::optional<std::string>& container_id = line.container_id;
  const std::string config_path = line.bundle + "/config.json";
  auto spec = read_config(config_path);
  if (!spec) return std::unexpected(spec.error());
  auto settings = read_container_settings(*spec, config);
  if (!settings) return std::unexpected(settings.error());
  if (!settings->mode) return PreparedBundle{};

  const std::string who = "container " + container_id.value_or("(no id)");
  const std::string mode = std::string(to_string(*settings->mode));
  if (*settings->mode == ShimMode::CommandOnly)
    return prepare_for_command_only(*spec, *settings, line, config, config_path);
  if (!is_socket(config.socket))
    return std::unexpected(who + " asks for tollgate mode " + mode + " (from " + settings->mode_source +
                           "), but the tollgate daemon's socket " + config.socket +
                           " is not there: is `tollgate supervise` running?");

  // Enforce needs the policy to know which calls its rules decide. Explain and audit judge against the
  // engine's profile; a policy is named to the daemon only when the container or runtime.json names one.
  std::expected<nlohmann::json, std::string> seccomp;
  std::string metadata;
  if (*settings->mode == ShimMode::Enforce) {
    DaemonPolicies policies{config.policy_dir ? PolicySearchPath{{*config.policy_dir}} : shipped_policy_path()};
    const std::string policy_name = settings->policy.value_or(policies.default_name);
    auto policy = policies.load(policy_name);
    if (!policy) return std::unexpected(who + ": " + policy.error());
    metadata = "policy=" + policy_name + "\nmode=" + mode;
    seccomp = enforce_variant(engine_seccomp(*spec), notified_by(**policy), {config.socket, metadata});
  } else {
    metadata = (settings->policy ? "policy=" + *settings->policy + "\n" : "") + "mode=" + mode;
    seccomp = *settings->mode == ShimMode::Learn
                  ? learn_variant(engine_seccomp(*spec), {config.socket, metadata})
                  : diagnostic_variant(engine_seccomp(*spec), {config.socket, metadata});
  }
  if (!seccomp) return std::unexpected(who + ": " + seccomp.error());
  if (*settings->mode == ShimMode::Explain || *settings->mode == ShimMode::Audit) {
    // The daemon judges against the engine's own profile and the container's capabilities: both travel in
    // the runtime's message, never as a path.
    (*spec)["annotations"][std::string(kProfileAnnotation)] = engine_seccomp(*spec)->dump();
    (*spec)["annotations"][std::string(kCapabilitiesAnnotation)] = joined(bounding_capabilities(*spec));
  }
  if (auto process = spec->find("process"); process != spec->end() && process->is_object())
    if (auto args = process->find("args"); args != process->end() && args->is_array())
      (*spec)["annotations"][std::string(kArgsAnnotation)] = args->dump();
  (*spec)["linux"]["seccomp"] = std::move(*seccomp);
  if (auto written = replace_file_atomically(config_path, spec->dump(2)); !written)
    return std::unexpected(written.error());
  return PreparedBundle{true, who + ": mode " + mode + " (from " + settings->mode_source + "), " + metadata};
}

}  // namespace tollgate
