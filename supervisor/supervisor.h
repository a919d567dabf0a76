// The event loop side: one uv_poll handle per listener, RECV only on readiness, every notification
// answered exactly once.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include "supervisor/event_log.h"
#include "supervisor/rule_set.h"
#include "supervisor/target_info.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

class Listener;

struct SupervisorStats {
  uint64_t notifications = 0;
  uint64_t answered = 0;
  uint64_t targets_gone = 0;  // caller left before the answer (ENOENT, failed ID_VALID)
  uint64_t errors = 0;
  uint64_t listeners_opened = 0;
  uint64_t listeners_closed = 0;
};

class Supervisor {
 public:
  Supervisor(uv_loop_t* loop, EventLog& events);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Takes ownership of the listener and serves it until every process using the filter is gone.
  // Error: a libuv message (the listener is closed then, and the target's notified calls fail with ENOSYS).
  std::expected<void, std::string> add_listener(UniqueFd listener, TargetInfo target, std::shared_ptr<const RuleSet> rules);

  // Stops serving everything; handles finish closing on the next loop iteration.
  void close_all();
  size_t listener_count() const { return listeners_.size(); }
  const SupervisorStats& stats() const { return stats_; }

 private:
  friend class Listener;
  void handle_notification(Listener& listener);
  void listener_closed(Listener* listener);

  uv_loop_t* loop_;
  EventLog& events_;
  SupervisorStats stats_;
  std::unordered_map<Listener*, std::unique_ptr<Listener>> listeners_;
};

}  // namespace tollgate
