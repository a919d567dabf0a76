#include "shim/seccomp_rewrite.h"

#include "profile/profile_variants.h"

namespace tollgate {
namespace {

std::expected<void, std::string> check_no_listener(const nlohmann::json& profile) {
  if (!profile.is_object()) return std::unexpected("linux.seccomp is not a JSON object");
  if (profile.contains("listenerPath") && !profile["listenerPath"].empty())
    return std::unexpected("linux.seccomp already has a listenerPath (a filter has one listener)");
  return {};
}

}  // namespace

std::expected<nlohmann::json, std::string> enforce_variant(const nlohmann::json* engine_seccomp,
                                                           const std::set<std::string>& notified,
                                                           const ListenerTarget& listener) {
  nlohmann::json profile = engine_seccomp != nullptr ? *engine_seccomp
                                                     : nlohmann::json{{"defaultAction", "SCMP_ACT_ALLOW"},
                                                                      {"syscalls", nlohmann::json::array()}};
  if (auto ok = check_no_listener(profile); !ok) return std::unexpected(ok.error());

  // A syscall in two entries with different actions is an error for libseccomp, and an unconditional
  // NOTIFY must win over the engine's conditional entries for the policy's rules to see every call.
  nlohmann::json kept = nlohmann::json::array();
  if (profile.contains("syscalls") && profile["syscalls"].is_array()) {
    for (nlohmann::json entry : profile["syscalls"]) {
      if (entry.is_object() && entry.contains("names") && entry["names"].is_array()) {
        nlohmann::json names = nlohmann::json::array();
        for (const auto& n : entry["names"])
          if (!n.is_string() || !notified.contains(n.get<std::string>())) names.push_back(n);
        if (names.empty()) continue;
        entry["names"] = std::move(names);
      }
      kept.push_back(std::move(entry));
    }
  }
  if (!notified.empty()) kept.push_back({{"names", notified}, {"action", "SCMP_ACT_NOTIFY"}});
  profile["syscalls"] = std::move(kept);
  profile["listenerPath"] = listener.socket;
  profile["listenerMetadata"] = listener.metadata;
  return profile;
}

std::expected<nlohmann::json, std::string> diagnostic_variant(const nlohmann::json* engine_seccomp,
                                                              const ListenerTarget& listener) {
  if (engine_seccomp == nullptr)
    return std::unexpected("the container has no seccomp profile: nothing is denied, nothing to explain");
  if (auto ok = check_no_listener(*engine_seccomp); !ok) return std::unexpected(ok.error());
  nlohmann::json profile = runtime_notify_variant(*engine_seccomp);
  profile["listenerPath"] = listener.socket;
  profile["listenerMetadata"] = listener.metadata;
  return profile;
}

std::expected<nlohmann::json, std::string> learn_variant(const nlohmann::json* engine_seccomp,
                                                         const ListenerTarget& listener) {
  if (engine_seccomp != nullptr)
    if (auto ok = check_no_listener(*engine_seccomp); !ok) return std::unexpected(ok.error());
  nlohmann::json profile = runtime_learn_variant(engine_seccomp);
  profile["listenerPath"] = listener.socket;
  profile["listenerMetadata"] = listener.metadata;
  return profile;
}

}  // namespace tollgate
