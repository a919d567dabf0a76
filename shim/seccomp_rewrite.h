// The container's linux.seccomp as a mode needs it. Works on the JSON the engine wrote, so that every field
// the runtime understands and tollgate does not model (flags, archMap, ...) is kept.
#pragma once

#include <expected>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace tollgate {

struct ListenerTarget {
  std::string socket;    // listenerPath
  std::string metadata;  // listenerMetadata
};

// Enforce: the engine's profile (allow-all when there is none), with every syscall in `notified` taken out
// of the entries that name it and given one unconditional SCMP_ACT_NOTIFY entry instead, and the listener
// set. Error: the profile already names a listener (a filter has one), or is not an object.
std::expected<nlohmann::json, std::string> enforce_variant(const nlohmann::json* engine_seccomp,
                                                           const std::set<std::string>& notified,
                                                           const ListenerTarget& listener);

// Explain and audit: runtime_notify_variant of the engine's profile with the listener set, so that exactly
// the calls the profile denies reach the daemon. Error: no profile (nothing to explain), or one that already
// names a listener.
std::expected<nlohmann::json, std::string> diagnostic_variant(const nlohmann::json* engine_seccomp,
                                                              const ListenerTarget& listener);

// Learn: runtime_learn_variant of the engine's profile (there may be none) with the listener set, so that
// every call but the few runtimes must make unnotified reaches the daemon. Error: a profile that already
// names a listener.
std::expected<nlohmann::json, std::string> learn_variant(const nlohmann::json* engine_seccomp,
                                                         const ListenerTarget& listener);

}  // namespace tollgate
