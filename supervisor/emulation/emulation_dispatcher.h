// Finishes "emulate" decisions: looks up the rule's handler and has the serving loop that received the call
// run it on its own thread, right after the loop iteration that received it (ServingLoop::run_outside_loop):
// no hand-off to another thread, and the loop stays in the caller's namespaces for that caller's next call.
// A handler that stalls (a mount waiting on a hung FUSE server) costs its loop one thread, not its other
// listeners: a standby thread takes the loop over (LoopCarriers). A caller that dies meanwhile is harmless:
// its answer is dropped by the supervisor.
#pragma once

#include <functional>
#include <mutex>
#include <unordered_map>

#include "supervisor/emulation/emulation_handler.h"
#include "supervisor/emulation/mount/mount_registry.h"
#include "supervisor/supervisor.h"

namespace tollgate {

class EmulationDispatcher : public AsyncDecider {
 public:
  explicit EmulationDispatcher(Supervisor& supervisor);
  // The serving loops run handlers of this object until they finish: stops them first (close_all).
  ~EmulationDispatcher() override;
  EmulationDispatcher(const EmulationDispatcher&) = delete;
  EmulationDispatcher& operator=(const EmulationDispatcher&) = delete;

  // On the serving loop that received the call.
  void begin(PendingCallPtr call) override;
  // Main loop, before any call arrives.
  void on_container_reboot(std::function<void(const TargetInfo&, RebootKind)> fn) {
    services_.container_rebooted = std::move(fn);
  }

  // Emulations of one container (or one target outside containers) running at once, at most: each holds a
  // serving-loop thread while it runs, and a container whose mounts all hang must leave threads for others.
  static constexpr unsigned kMaxRunningPerPeer = 4;

 private:
  HandlerPtr handler_for(const Rule& rule);
  // Takes one of the peer's running slots; false when it has none left.
  bool take_slot(const void* peer);
  void give_back_slot(const void* peer);

  Supervisor& supervisor_;
  MountRegistry mounts_;
  EmulationServices services_;
  // Handlers built per rule, keyed by the rule's address and checked against its options, so that a later
  // policy reusing an address never gets a stale handler. Shared by the serving loops.
  struct CachedHandler {
    nlohmann::json options;
    std::string name;
    HandlerPtr handler;
  };
  std::mutex handlers_mutex_;
  std::unordered_map<const Rule*, CachedHandler> handlers_;
  std::mutex running_mutex_;
  std::unordered_map<const void*, unsigned> running_;  // by container record, else by listener
};

}  // namespace tollgate
