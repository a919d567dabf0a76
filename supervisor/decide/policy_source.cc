#include "supervisor/decide/policy_source.h"

#include "supervisor/decide/policy_selection.h"

#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "supervisor/emulation/emulation_handlers.h"

namespace tollgate {
namespace {

std::string executable_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  return std::filesystem::path(std::string(buf, static_cast<size_t>(n))).parent_path();
}

}  // namespace

PolicyParseOptions parse_options_for(PolicyFlavor flavor) {
  PolicyParseOptions o;
  o.flavor = flavor;
  o.handler_exists = [](std::string_view name) { return emulation_handler_exists(name); };
  o.handler_options_error = [](std::string_view name,
                                const nlohmann::json& options) -> std::optional<std::pair<std::string, std::string>> {
    auto made = make_emulation_handler(name, options);
    if (made) return std::nullopt;
    return std::make_pair(made.error().json_pointer, made.error().message);
  };
  return o;
}

std::string shipped_policy_dir() {
  if (const char* env = std::getenv("TOLLGATE_POLICY_DIR"); env != nullptr && *env != '\0') return env;
  namespace fs = std::filesystem;
  const std::string candidates[] = {
      executable_dir() + "/../share/tollgate/policies",
      TOLLGATE_INSTALL_POLICY_DIR,
      TOLLGATE_SOURCE_POLICY_DIR,
  };
  std::error_code ec;
  for (const auto& dir : candidates)
    if (fs::exists(fs::path(dir) / "default.json", ec)) return fs::weakly_canonical(dir, ec).string();
  return TOLLGATE_SOURCE_POLICY_DIR;
}

std::expected<LoadedPolicy, std::string> load_policy_choice(const PolicyChoice& choice) {
  auto load = [](const std::string& path, PolicyFlavor flavor) -> std::expected<PolicyPtr, std::string> {
    auto p = load_policy_file(path, parse_options_for(flavor));
    if (!p) return std::unexpected(p.error().to_string());
    return *p;
  };
  if (!choice.profile_path) {
    const std::string path = choice.policy_path.value_or(shipped_policy_dir() + "/default.json");
    auto p = load(path, PolicyFlavor::Tollgate);
    if (!p) return std::unexpected(p.error());
    return LoadedPolicy{*p, PolicyFlavor::Tollgate};
  }
  auto profile = load(*choice.profile_path, PolicyFlavor::DockerProfile);
  if (!profile) return std::unexpected(profile.error());
  if (!choice.policy_path) return LoadedPolicy{*profile, PolicyFlavor::DockerProfile};

  // Both: the profile decides what the kernel does, the policy decides the notified calls.
  auto rules = load(*choice.policy_path, PolicyFlavor::Tollgate);
  if (!rules) return std::unexpected(rules.error());
  nlohmann::json merged = (*profile)->document;
  merged["rules"] = (*rules)->document.value("rules", nlohmann::json::array());
  auto name = std::filesystem::path(*choice.profile_path).filename().string() + "+" +
              std::filesystem::path(*choice.policy_path).filename().string();
  auto combined = parse_policy_json(merged, name, parse_options_for(PolicyFlavor::DockerProfile));
  if (!combined) return std::unexpected(combined.error().to_string());
  return LoadedPolicy{*combined, PolicyFlavor::DockerProfile};
}

std::expected<PolicyPtr, std::string> DaemonPolicies::load(const std::string& name) const {
  auto path = resolve_policy_name(dir, name);
  if (!path) return std::unexpected(path.error());
  auto policy = load_policy_file(path->string(), parse_options_for(PolicyFlavor::Tollgate));
  if (!policy) return std::unexpected(policy.error().to_string());
  return *policy;
}

}  // namespace tollgate
