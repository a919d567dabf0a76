#include "supervisor/decide/policy_source.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>

#include "core/install_paths.h"
#include "core/skipped_names_note.h"
#include "supervisor/decide/policy_selection.h"
#include "supervisor/emulation/emulation_handlers.h"

namespace tollgate {
namespace {

// Says once per process which names a file's filter left out: a daemon loads the same file for every
// container, and a note per container would bury everything else in its log. A file that changes (and
// leaves out other names) is noted again.
void note_skipped_names(const Policy& policy) {
  std::string note = skipped_names_note(policy);
  if (note.empty()) return;
  static std::mutex mutex;
  static std::set<std::string> noted;
  {
    std::lock_guard lock(mutex);
    if (!noted.insert(note).second) return;
  }
  spdlog::info("note: {}", note);
}

std::expected<PolicyPtr, std::string> load_noting_skipped_names(const std::string& path, PolicyFlavor flavor) {
  auto p = load_policy_file(path, parse_options_for(flavor));
  if (!p) return std::unexpected(p.error().to_string());
  note_skipped_names(**p);
  return *p;
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

std::expected<std::filesystem::path, std::string> PolicySearchPath::resolve(std::string_view name) const {
  namespace fs = std::filesystem;
  auto file_name = policy_file_name(name);
  if (!file_name) return std::unexpected(file_name.error());
  for (const fs::path& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    // Only a name absent here falls through to the next directory; anything present is this directory's
    // answer, refusal included.
    if (!fs::exists(fs::symlink_status(dir / *file_name, ec))) continue;
    return resolve_policy_name(dir, name);
  }
  return std::unexpected("policy \"" + std::string(name) + "\": no such policy (looked in " + describe() + ")");
}

std::string PolicySearchPath::describe() const {
  std::string text;
  for (const auto& dir : dirs) text += (text.empty() ? "" : ", ") + dir.string();
  return text.empty() ? "no directories" : text;
}

PolicySearchPath shipped_policy_path() {
  if (const char* env = std::getenv("TOLLGATE_POLICY_DIR"); env != nullptr && *env != '\0') return {{env}};
  PolicySearchPath path;
  if (auto user = user_config_dir()) path.dirs.push_back(*user / "policies");
  path.dirs.push_back(admin_policy_dir());
  path.dirs.push_back(is_development_build() ? source_policy_dir() : packaged_policy_dir());
  return path;
}

std::expected<LoadedPolicy, std::string> load_policy_choice(const PolicyChoice& choice) {
  auto load = load_noting_skipped_names;
  if (!choice.profile_path) {
    std::string path;
    if (choice.policy_path) {
      path = *choice.policy_path;
    } else {
      auto shipped = shipped_policy_path().resolve("default");
      if (!shipped)
        return std::unexpected("no --policy or --profile given, and the default " + shipped.error());
      path = shipped->string();
    }
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
  auto path = search_path.resolve(name);
  if (!path) return std::unexpected(path.error());
  return load_noting_skipped_names(path->string(), PolicyFlavor::Tollgate);
}

}  // namespace tollgate
