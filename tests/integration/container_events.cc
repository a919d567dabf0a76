#include "tests/integration/container_events.h"

#include <sstream>

#include "tests/integration/harness.h"

namespace tollgate::testing {

std::vector<nlohmann::json> events_of(const std::string& events_path, const std::string& container_id) {
  std::vector<nlohmann::json> out;
  std::istringstream lines(read_file(events_path));
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("container") && j["container"].is_object() &&
        j["container"]["id"] == container_id)
      out.push_back(std::move(j));
  }
  return out;
}

}  // namespace tollgate::testing
