#include "tollgate/envelope.h"

#include "core/json_input.h"
#include "core/json_output.h"

namespace tollgate {

std::string serialize_envelope(const HandoverEnvelope& e) {
  nlohmann::json j = {
      {"tollgateEnvelope", e.version},
      {"pid", e.pid},
      {"argv", e.argv},
      {"policy", {{"name", e.policy_name}, {"flavor", e.policy_flavor}, {"document", e.policy_document}}},
      {"metadata", e.metadata},
  };
  // argv and metadata are whatever the user passed: not necessarily UTF-8.
  return json_text(j);
}

std::expected<HandoverEnvelope, std::string> parse_envelope(std::string_view text) {
  auto j = parse_json_input(text);
  if (!j) return std::unexpected("envelope is not valid JSON: " + j.error().describe());
  return envelope_from_json(std::move(*j));
}

std::expected<HandoverEnvelope, std::string> envelope_from_json(nlohmann::json j) {
  if (!j.is_object()) return std::unexpected("envelope is not a JSON object");
  if (j.contains("ociVersion"))
    return std::unexpected("an OCI runtime's container state, not a handover envelope (docs/oci.md)");
  HandoverEnvelope e;
  auto version = j.find("tollgateEnvelope");
  if (version == j.end() || !version->is_number_integer())
    return std::unexpected("/tollgateEnvelope: missing or not an integer");
  e.version = version->get<int>();
  if (e.version != kEnvelopeVersion)
    return std::unexpected("/tollgateEnvelope: unsupported version " + std::to_string(e.version));
  auto pid = j.find("pid");
  if (pid == j.end() || !pid->is_number_integer() || pid->get<int64_t>() <= 0 ||
      pid->get<int64_t>() > (1 << 22))
    return std::unexpected("/pid: missing or not a process id");
  e.pid = static_cast<pid_t>(pid->get<int64_t>());
  if (auto argv = j.find("argv"); argv != j.end()) {
    if (!argv->is_array()) return std::unexpected("/argv: not an array");
    for (const auto& a : *argv) {
      if (!a.is_string()) return std::unexpected("/argv: not all strings");
      e.argv.push_back(a.get<std::string>());
    }
  }
  auto policy = j.find("policy");
  if (policy == j.end() || !policy->is_object()) return std::unexpected("/policy: missing or not an object");
  auto name = policy->find("name");
  if (name == policy->end() || !name->is_string())
    return std::unexpected("/policy/name: missing or not a string");
  e.policy_name = name->get<std::string>();
  if (auto flavor = policy->find("flavor"); flavor != policy->end()) {
    if (!flavor->is_string() || (*flavor != "tollgate" && *flavor != "docker"))
      return std::unexpected("/policy/flavor: expected \"tollgate\" or \"docker\"");
    e.policy_flavor = flavor->get<std::string>();
  }
  auto doc = policy->find("document");
  if (doc == policy->end() || !doc->is_object())
    return std::unexpected("/policy/document: missing or not an object");
  e.policy_document = std::move(*doc);
  if (auto md = j.find("metadata"); md != j.end()) {
    if (!md->is_object()) return std::unexpected("/metadata: not an object");
    for (const auto& [k, v] : md->items()) {
      if (!v.is_string()) return std::unexpected("/metadata/" + k + ": not a string");
      e.metadata[k] = v.get<std::string>();
    }
  }
  return e;
}

}  // namespace tollgate
