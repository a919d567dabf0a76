// The profile a container's engine wrote, as the runtime shim forwards it for explain and audit: the shim
// installs a NOTIFY variant (runtime_notify_variant) and puts the original in the container's annotations,
// which the runtime sends with every listener. The daemon judges calls against that original, evaluated with
// the container's own capabilities; it never opens a file a container or runtime names.
#pragma once

#include <expected>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "profile/filter_environment.h"
#include "tollgate/policy.h"

namespace tollgate {

inline constexpr std::string_view kProfileAnnotation = "io.tollgate.profile";
// The container's capability bounding set, comma separated: includes/excludes by capability are
// evaluated against it rather than against the daemon's own.
inline constexpr std::string_view kCapabilitiesAnnotation = "io.tollgate.capabilities";

// The container's process.args as JSON, written by the runtime shim: the OCI state runtimes send has no
// process, so without it a container's init shows no command in `ctl targets` and events.
inline constexpr std::string_view kArgsAnnotation = "io.tollgate.args";

// The annotated args when they are a JSON array of strings; empty otherwise.
std::vector<std::string> container_args(const std::map<std::string, std::string>& annotations);

// `rules` with its filter replaced by the annotated profile (parsed as a Docker/OCI profile); `rules`
// itself when the annotation is absent. Error: a profile that does not parse, named as the annotation.
std::expected<PolicyPtr, std::string> with_container_profile(
    const PolicyPtr& rules, const std::map<std::string, std::string>& annotations);

// This process's environment with the annotated bounding set, when there is one.
FilterEnvironment container_filter_environment(const std::map<std::string, std::string>& annotations);

}  // namespace tollgate
