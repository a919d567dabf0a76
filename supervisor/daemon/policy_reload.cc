#include "supervisor/daemon/policy_reload.h"

#include "supervisor/listener.h"
#include "supervisor/rules/rule_set.h"
#include "supervisor/supervisor.h"

namespace tollgate {
namespace {

std::optional<PolicyChoice> choice_of(const TargetInfo& target) {
  if (!target.daemon_policy_path) return std::nullopt;
  return PolicyChoice{*target.daemon_policy_path, std::nullopt};
}

std::string key_of(const PolicyChoice& c) {
  return c.policy_path.value_or("") + "\n" + c.profile_path.value_or("");
}

}  // namespace

std::expected<nlohmann::json, std::string> reload_target_policies(Supervisor& supervisor) {
  // Parse everything first; swap only when every file is good.
  std::map<std::string, std::shared_ptr<const Decider>> parsed;
  std::string failure;
  supervisor.for_each_listener([&](Listener& l) {
    auto choice = choice_of(l.target());
    if (!choice || !failure.empty() || parsed.contains(key_of(*choice))) return;
    auto loaded = load_policy_choice(*choice);
    if (!loaded) {
      failure = loaded.error();
      return;
    }
    parsed[key_of(*choice)] = std::make_shared<RuleSet>(loaded->policy);
  });
  if (!failure.empty()) return std::unexpected(failure + " (every target keeps its current rules)");
  size_t swapped = 0;
  supervisor.for_each_listener([&](Listener& l) {
    if (auto choice = choice_of(l.target())) {
      supervisor.replace_decider(l, parsed.at(key_of(*choice)));
      ++swapped;
    }
  });
  nlohmann::json files = nlohmann::json::array();
  for (const auto& [key, _] : parsed) files.push_back(key.substr(0, key.find('\n')));
  return nlohmann::json{{"reloaded_targets", swapped}, {"policies", files}};
}

}  // namespace tollgate
