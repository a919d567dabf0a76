// Who a listener belongs to: the target as its agent described it and, for processes an OCI runtime handed
// over, the container they run in. The loop, events and `ctl` read this; decide/container_registry.h keeps
// the live containers.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/caller/process_command.h"
#include "supervisor/decider.h"
#include "tollgate/policy_mode.h"

namespace tollgate {

// How many listeners share a container record. They are added on the main loop and dropped on whichever
// serving loop closes them; a record is moved into the registry before anyone shares it.
class SharedCount {
 public:
  SharedCount() = default;
  SharedCount(SharedCount&& other) noexcept : n_(other.n_.load()) {}
  size_t operator++() { return n_.fetch_add(1) + 1; }
  size_t operator--() { return n_.fetch_sub(1) - 1; }
  size_t get() const { return n_.load(); }

 private:
  std::atomic<size_t> n_{0};
};

// One supervised container. Every listener a runtime hands over for it (its init, then one per `runc exec`)
// shares this record: same policy, same decider.
struct ContainerRecord {
  std::string id;
  std::string bundle;
  std::string policy_name;
  PolicyMode mode = PolicyMode::Enforce;
  std::shared_ptr<const Decider> decider;
  std::chrono::system_clock::time_point since = std::chrono::system_clock::now();
  SharedCount listeners;    // changed only by ContainerMembership
  std::string policy_path;  // in the daemon's own --policy-dir: what `ctl reload` re-reads
  // Called once, by whichever thread releases the last listener (audit and learn make their report here):
  // anything that needs the main loop must be posted there.
  std::function<void(const ContainerRecord&)> on_released;
};

// One listener's share of a container (TargetInfo holds it). The last one to go releases the container.
class ContainerMembership {
 public:
  explicit ContainerMembership(std::shared_ptr<ContainerRecord> record);
  ~ContainerMembership();
  ContainerMembership(const ContainerMembership&) = delete;
  ContainerMembership& operator=(const ContainerMembership&) = delete;

  const ContainerRecord& container() const { return *record_; }

 private:
  std::shared_ptr<ContainerRecord> record_;
};

struct TargetInfo {
  pid_t pid = 0;
  std::vector<std::string> argv;
  std::string policy_name;
  std::map<std::string, std::string> metadata;
  // The policy file the daemon itself chose for this target (from its own --policy-dir), which `ctl reload`
  // re-reads as root. Never a path from anything a peer sent (envelope, metadata, OCI state): targets whose
  // rules came inside their handover keep those rules until they exit.
  std::optional<std::string> daemon_policy_path;
  // Set for processes an OCI runtime handed over: their container's id, bundle and policy. Null otherwise.
  std::shared_ptr<const ContainerMembership> container;
  // The process itself, held when `argv` is empty (a container started with a bare listenerPath), so that its
  // command can be read from /proc when asked. Null otherwise.
  std::shared_ptr<const PinnedProcess> process;
  // The keeper's name for this listener (supervisor/listener_keeper.h); 0 when nothing keeps it.
  uint64_t keeper_key = 0;
};

// The target's command for `ctl targets` and `ctl pending`: `argv` as the agent or the shim's annotation named
// it, else what /proc shows for the held process now. Empty only when neither is known (the process is gone,
// or the runtime named no pid). Loop thread, control requests only: it may read /proc.
std::vector<std::string> shown_command(const TargetInfo& target);

// {"id": ..., "bundle": ...} of the container a target belongs to; null for targets that are not in one.
nlohmann::json container_json(const TargetInfo& target);

}  // namespace tollgate
