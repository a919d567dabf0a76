// One event per decision: a human line on stderr and/or one JSON object per line in a file
// (schema: docs/events.md).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "supervisor/caller/call_context.h"
#include "supervisor/target_info.h"
#include "tollgate/decision.h"

namespace spdlog {
class logger;
}

namespace tollgate {

struct DecisionEvent {
  const CallContext& call;
  const Decision& decision;
  const TargetInfo& target;
  uint64_t latency_ns;
};

class EventLog {
 public:
  // Throws std::runtime_error when the events file cannot be opened (a start-up configuration error).
  EventLog(bool human_lines, const std::optional<std::string>& json_path);
  ~EventLog();

  // False when nothing would be written: the supervisor then skips reading strings and /proc for events.
  bool enabled() const { return human_lines_ || json_ != nullptr; }
  void record(const DecisionEvent& event);
  void flush();

 private:
  bool human_lines_;
  std::shared_ptr<spdlog::logger> json_;
};

// The JSON object of one event (docs/events.md), as the events file and `ctl watch` show it.
nlohmann::json decision_event_json(const DecisionEvent& event);

// "EPERM", "allowed", "emulated", "= 5"
std::string describe_outcome(const Decision& decision);

}  // namespace tollgate
