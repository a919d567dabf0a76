#include "supervisor/decide/container_profile.h"

#include <sstream>

#include "supervisor/decide/policy_source.h"

namespace tollgate {

std::expected<PolicyPtr, std::string> with_container_profile(
    const PolicyPtr& rules, const std::map<std::string, std::string>& annotations) {
  auto it = annotations.find(std::string(kProfileAnnotation));
  if (it == annotations.end()) return rules;
  const std::string label = "annotation " + std::string(kProfileAnnotation);
  nlohmann::json doc = nlohmann::json::parse(it->second, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::unexpected(label + ": not a JSON object");
  auto profile = parse_policy_json(doc, label, parse_options_for(PolicyFlavor::DockerProfile));
  if (!profile) return std::unexpected(profile.error().to_string());
  auto combined = std::make_shared<Policy>(*rules);
  combined->filter = (*profile)->filter;
  return combined;
}

std::vector<std::string> container_args(const std::map<std::string, std::string>& annotations) {
  auto it = annotations.find(std::string(kArgsAnnotation));
  if (it == annotations.end()) return {};
  nlohmann::json args = nlohmann::json::parse(it->second, nullptr, false);
  if (!args.is_array()) return {};
  std::vector<std::string> out;
  for (const auto& a : args) {
    if (!a.is_string()) return {};
    out.push_back(a.get<std::string>());
  }
  return out;
}

FilterEnvironment container_filter_environment(const std::map<std::string, std::string>& annotations) {
  FilterEnvironment env = FilterEnvironment::of_this_process();
  auto it = annotations.find(std::string(kCapabilitiesAnnotation));
  if (it == annotations.end()) return env;
  env.bounding_caps.clear();
  std::istringstream caps(it->second);
  for (std::string cap; std::getline(caps, cap, ',');)
    if (!cap.empty()) env.bounding_caps.insert(cap);
  return env;
}

}  // namespace tollgate
