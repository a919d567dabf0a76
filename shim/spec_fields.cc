#include "shim/spec_fields.h"

namespace tollgate {
namespace {

const nlohmann::json* member(const nlohmann::json* object, const char* key) {
  if (object == nullptr || !object->is_object()) return nullptr;
  auto it = object->find(key);
  return it == object->end() ? nullptr : &*it;
}

}  // namespace

const nlohmann::json* engine_seccomp(const nlohmann::json& config) {
  const nlohmann::json* seccomp = member(member(&config, "linux"), "seccomp");
  return seccomp == nullptr || seccomp->is_null() ? nullptr : seccomp;
}

std::set<std::string> bounding_capabilities(const nlohmann::json& config) {
  std::set<std::string> caps;
  const nlohmann::json* bounding = member(member(member(&config, "process"), "capabilities"), "bounding");
  if (bounding == nullptr || !bounding->is_array()) return caps;
  for (const auto& cap : *bounding)
    if (cap.is_string()) caps.insert(cap.get<std::string>());
  return caps;
}

const nlohmann::json* process_args(const nlohmann::json& config) {
  const nlohmann::json* args = member(member(&config, "process"), "args");
  return args != nullptr && args->is_array() ? args : nullptr;
}

}  // namespace tollgate
