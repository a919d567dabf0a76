#include "cli/handover_admission.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "cli/policy_reload.h"
#include "cli/policy_source.h"
#include "supervisor/caller_credentials.h"
#include "supervisor/diagnostic_decider.h"
#include "supervisor/process_tree.h"

namespace tollgate {
namespace {

constexpr std::string_view kPolicyMetadataKey = "policy";

}  // namespace

bool is_trusted_peer(const ucred& peer) { return peer.uid == 0 || peer.uid == geteuid(); }

bool runs_as(pid_t pid, uid_t uid) {
  if (pid <= 1) return false;
  auto creds = read_caller_credentials(pid);
  return creds && creds->euid == uid;
}

HandoverAdmission::HandoverAdmission(Supervisor& supervisor, DaemonPolicies policies)
    : supervisor_(supervisor), policies_(std::move(policies)) {}

std::expected<void, std::string> HandoverAdmission::admit(HandoverEnvelope envelope, UniqueFd listener,
                                                          const ucred& peer) {
  if (is_trusted_peer(peer)) return admit_trusted(std::move(envelope), std::move(listener));
  return admit_untrusted(std::move(envelope), std::move(listener), peer);
}

std::expected<void, std::string> HandoverAdmission::admit_trusted(HandoverEnvelope envelope, UniqueFd listener) {
  const PolicyFlavor flavor =
      envelope.policy_flavor == "docker" ? PolicyFlavor::DockerProfile : PolicyFlavor::Tollgate;
  auto policy = parse_policy_json(envelope.policy_document, envelope.policy_name, parse_options_for(flavor));
  if (!policy) return std::unexpected("policy " + policy.error().to_string());
  auto mode = envelope.metadata.find(std::string(kModeMetadataKey));
  auto decider = diagnostic_decider(mode != envelope.metadata.end() ? mode->second : "", *policy);
  if (!decider) return std::unexpected(decider.error());
  TargetInfo info{envelope.pid, std::move(envelope.argv), envelope.policy_name, std::move(envelope.metadata)};
  spdlog::debug("supervising pid {} under {}", info.pid, info.policy_name);
  return supervisor_.add_listener(std::move(listener), std::move(info), *decider);
}

std::expected<void, std::string> HandoverAdmission::admit_untrusted(HandoverEnvelope envelope, UniqueFd listener,
                                                                    const ucred& peer) {
  const uid_t uid = peer.uid;
  // The envelope's pid names the target in events and aims reboot's "exit" kill: it must be a descendant
  // of the peer, running as the peer, not some process the peer would like to see killed.
  if (envelope.pid == peer.pid || !in_process_tree(envelope.pid, peer.pid) || !runs_as(envelope.pid, uid))
    return std::unexpected("pid " + std::to_string(envelope.pid) + " is not a process the peer started");
  std::map<std::string, std::string> metadata;
  std::string mode;
  for (auto& [key, value] : envelope.metadata) {
    if (key == kModeMetadataKey) mode = value;
    if (!key.starts_with("tollgate.")) metadata[key] = value;
  }
  auto named = metadata.find(std::string(kPolicyMetadataKey));
  const std::string name = named != metadata.end() ? named->second : policies_.default_name;
  auto policy = policies_.load(name);
  if (!policy) return std::unexpected(policy.error());
  auto decider = diagnostic_decider(mode, *policy);
  if (!decider) return std::unexpected(decider.error());
  if (!mode.empty()) metadata[std::string(kModeMetadataKey)] = mode;
  add_policy_paths(metadata, PolicyChoice{(*policy)->source_path, std::nullopt});  // `ctl reload` re-reads ours
  metadata["peer_uid"] = std::to_string(uid);
  spdlog::info("pid {} of uid {}: policy {} (the daemon's; {} sent by the peer is not used)", envelope.pid, uid,
               (*policy)->name, envelope.policy_name.empty() ? std::string("the policy") : envelope.policy_name);
  TargetInfo info{envelope.pid, std::move(envelope.argv), (*policy)->name, std::move(metadata)};
  return supervisor_.add_listener(std::move(listener), std::move(info), *decider);
}

}  // namespace tollgate
