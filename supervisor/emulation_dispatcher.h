// Finishes "emulate" decisions: looks up the rule's handler and runs it on a small pool of worker threads
// (started on first use), then completes the call on the loop thread. begin() only queues: the loop never
// waits for an emulation. A caller that dies meanwhile is harmless: its answer is dropped by complete().
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "supervisor/emulation_handler.h"
#include "supervisor/mount_registry.h"
#include "supervisor/supervisor.h"

namespace tollgate {

class EmulationDispatcher : public AsyncDecider {
 public:
  explicit EmulationDispatcher(Supervisor& supervisor, unsigned max_workers = 4);
  ~EmulationDispatcher() override;  // waits for running emulations; queued ones are dropped
  EmulationDispatcher(const EmulationDispatcher&) = delete;
  EmulationDispatcher& operator=(const EmulationDispatcher&) = delete;

  void begin(PendingCallPtr call) override;
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
  Supervisor& supervisor_;
  const unsigned max_workers_;
  MountRegistry mounts_;
  // Where workers return after each job: staying in a caller's mount namespace (or root) would keep that
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
  unsigned idle_ = 0;
  bool stopping_ = false;
};

}  // namespace tollgate
