// The handover envelope: what an agent sends with the listener fd (SCM_RIGHTS) to a supervisor.
// Wire format: one JSON object, then EOF (the sender shuts down its write side). The supervisor answers with
// one JSON line, {"ok":true} or {"ok":false,"error":"..."}. OCI runtimes use the same socket shape with a
// different JSON body (it has "ociVersion"); they close without reading the answer.
#pragma once

#include <sys/types.h>

#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

inline constexpr int kEnvelopeVersion = 1;
// Podman's profile is ~20 KiB; OCI state with a big spec can be tens of KiB. Anything past this is hostile.
inline constexpr size_t kMaxEnvelopeBytes = 4 * 1024 * 1024;

struct HandoverEnvelope {
  int version = kEnvelopeVersion;
  pid_t pid = 0;  // the target, in the sender's pid namespace
  std::vector<std::string> argv;
  std::string policy_name;                 // for events: "default.json"
  std::string policy_flavor = "tollgate";  // "tollgate" or "docker"
  nlohmann::json policy_document;          // the policy whose filter the target runs under
  std::map<std::string, std::string> metadata;
};

std::string serialize_envelope(const HandoverEnvelope& envelope);
// Error: a message naming the bad field. The text is parsed with core/json_input.h's limits.
std::expected<HandoverEnvelope, std::string> parse_envelope(std::string_view text);
// The same for a document already parsed with those limits (never one of unbounded depth).
std::expected<HandoverEnvelope, std::string> envelope_from_json(nlohmann::json document);

}  // namespace tollgate
