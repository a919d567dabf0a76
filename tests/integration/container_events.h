// The events a `tollgate supervise --events FILE` daemon recorded for one OCI container.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tollgate::testing {

// The JSON lines of `events_path` whose "container" is `container_id`, in order; lines that are not JSON
// objects are passed over.
std::vector<nlohmann::json> events_of(const std::string& events_path, const std::string& container_id);

}  // namespace tollgate::testing
