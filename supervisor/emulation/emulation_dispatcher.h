// Finishes "emulate" decisions: looks up the rule's handler and runs it on a small pool of worker threads
// (started on first use), which answer the caller themselves (the loop records it). begin() only queues: the loop never
// waits for an emulation. A caller that dies meanwhile is harmless: its answer is dropped by complete().
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "supervisor/emulation/emulation_handler.h"
#include "supervisor/emulation/mount/mount_registry.h"
#include "supervisor/supervisor.h"

namespace tollgate {

class EmulationDispatcher : public AsyncDecider {
 public:
  explicit EmulationDispatcher(Supervisor& supervisor, unsigned max_workers = 4);
  ~EmulationDispatcher() override;  // waits for running emulations; queued ones are dropped
  EmulationDispatcher(const EmulationDispatcher&) = delete;
  EmulationDispatcher& operator=(const EmulationDispatcher&) = delete;

  void begin(PendingCallPtr call) override;
  // Idle workers leave the namespaces of their last caller now rather than after kLinger.
  void listener_closed() override;
  // Loop thread, before any call arrives.
  void on_container_reboot(std::function<void(const TargetInfo&, RebootKind)> fn) {
    services_.container_rebooted = std::move(fn);
  }

 private:
  struct Job {
    PendingCallPtr call;
    HandlerPtr handler;
  };
  HandlerPtr handler_for(const Rule& rule);
  void worker_main();

  static constexpr size_t kMaxQueued = 4096;
  // How long an idle worker stays in its last caller's mount namespace and root (see caller_view.h),
  // ready for that caller's next call. Bounds how long it can keep a dead container's namespace alive.
  static constexpr std::chrono::milliseconds kLinger{500};
  Supervisor& supervisor_;
  const unsigned max_workers_;
  MountRegistry mounts_;
  // Where idle workers return: staying in a caller's mount namespace (or root) would keep that
  // namespace, with every mount and loop device in it, alive after the caller is gone.
  UniqueFd home_ns_;
  EmulationServices services_;
  // Handlers built per rule, keyed by the rule's address and checked against its options, so that a later
  // policy reusing an address never gets a stale handler. Loop thread only.
  struct CachedHandler {
    nlohmann::json options;
    std::string name;
    HandlerPtr handler;
  };
  std::unordered_map<const Rule*, CachedHandler> handlers_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  std::vector<std::thread> workers_;
  size_t running_ = 0;  // workers inside a handler
  uint64_t closed_listeners_ = 0;  // bumped by listener_closed(): holding workers leave
  bool stopping_ = false;
};

}  // namespace tollgate
