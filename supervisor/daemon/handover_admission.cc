#include "supervisor/daemon/handover_admission.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "supervisor/caller/caller_credentials.h"
#include "supervisor/caller/process_tree.h"
#include "supervisor/decide/decider_for_mode.h"
#include "supervisor/decide/policy_source.h"

namespace tollgate {
namespace {

constexpr std::string_view kPolicyMetadataKey = "policy";

}  // namespace

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

std::expected<void, std::string> HandoverAdmission::admit_trusted(HandoverEnvelope envelope,
                                                                  UniqueFd listener) {
  auto mode = mode_from_metadata(envelope.metadata);
  if (!mode) return std::unexpected(mode.error());
  // A document parsed before for a target still alive is not parsed (nor held) again.
  std::string key;
  std::shared_ptr<const Decider> decider;
  if (*mode == PolicyMode::Enforce) {
    key = "envelope\n" + envelope.policy_flavor + "\n" + envelope.policy_name + "\n" +
          envelope.policy_document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    decider = shared_.find(key);
  }
  if (!decider) {
    const PolicyFlavor flavor =
        envelope.policy_flavor == "docker" ? PolicyFlavor::DockerProfile : PolicyFlavor::Tollgate;
    auto policy =
        parse_policy_json(envelope.policy_document, envelope.policy_name, parse_options_for(flavor));
    if (!policy) return std::unexpected("policy " + policy.error().to_string());
    auto made = decider_for_mode(*policy, *mode);
    if (!made) return std::unexpected(made.error());
    decider = std::move(*made);
    if (*mode == PolicyMode::Enforce) shared_.keep(key, decider);
  }
  TargetInfo info{envelope.pid, std::move(envelope.argv), envelope.policy_name, std::move(envelope.metadata)};
  spdlog::debug("supervising pid {} under {}", info.pid, info.policy_name);
  return supervisor_.add_listener(std::move(listener), std::move(info), std::move(decider));
}

std::expected<void, std::string> HandoverAdmission::admit_untrusted(HandoverEnvelope envelope,
                                                                    UniqueFd listener, const ucred& peer) {
  const uid_t uid = peer.uid;
  // The envelope's pid names the target in events and aims reboot's "exit" kill: it must be a descendant
  // of the peer, running as the peer, not some process the peer would like to see killed.
  if (envelope.pid == peer.pid || !in_process_tree(envelope.pid, peer.pid) || !runs_as(envelope.pid, uid))
    return std::unexpected("pid " + std::to_string(envelope.pid) + " is not a process the peer started");
  auto mode = mode_from_metadata(envelope.metadata);
  if (!mode) return std::unexpected(mode.error());
  std::map<std::string, std::string> metadata;
  for (auto& [key, value] : envelope.metadata)
    if (!key.starts_with("tollgate.")) metadata[key] = value;
  auto named = metadata.find(std::string(kPolicyMetadataKey));
  const std::string name = named != metadata.end() ? named->second : policies_.default_name;
  auto policy = policies_.load(name);
  if (!policy) return std::unexpected(policy.error());
  auto decider = decider_for_mode(*policy, *mode);
  if (!decider) return std::unexpected(decider.error());
  if (*mode == PolicyMode::Enforce) {
    // The same file with the same content: the decider of the targets already under it.
    const std::string key =
        "daemon\n" + (*policy)->source_path + "\n" +
        (*policy)->document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (auto live = shared_.find(key))
      *decider = std::move(live);
    else
      shared_.keep(key, *decider);
  }
  if (envelope.metadata.contains(std::string(kModeMetadataKey)))
    metadata[std::string(kModeMetadataKey)] = to_string(*mode);
  metadata["peer_uid"] = std::to_string(uid);
  spdlog::info("pid {} of uid {}: policy {} (the daemon's; {} sent by the peer is not used)", envelope.pid,
               uid, (*policy)->name,
               envelope.policy_name.empty() ? std::string("the policy") : envelope.policy_name);
  TargetInfo info{envelope.pid, std::move(envelope.argv), (*policy)->name, std::move(metadata)};
  info.daemon_policy_path = (*policy)->source_path;  // ours: `ctl reload` re-reads it
  return supervisor_.add_listener(std::move(listener), std::move(info), *decider);
}

}  // namespace tollgate
