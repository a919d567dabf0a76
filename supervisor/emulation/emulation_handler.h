// One emulation handler: does a notified call on the caller's behalf and says what the call returns.
// Handlers are built from a rule's "options" when the policy loads (bad options are load errors naming the
// JSON pointer), then run on an emulation worker thread, never on the loop thread.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "supervisor/pending_call.h"
#include "tollgate/decision.h"

namespace tollgate {

class MountRegistry;

// A bad option: the pointer is relative to the rule's "options" ("/fstypes/0").
struct HandlerOptionError {
  std::string json_pointer;
  std::string message;
};

enum class RebootKind { Restart, Halt, PowerOff };

// What handlers may reach outside the call itself. Owned by the dispatcher; shared by all workers.
struct EmulationServices {
  // A container asked to reboot and its process tree was killed. Worker thread; may be empty.
  std::function<void(const TargetInfo& target, RebootKind kind)> container_rebooted;
  MountRegistry* mounts = nullptr;
};

class EmulationHandler {
 public:
  virtual ~EmulationHandler() = default;
  // Worker thread. Reads what it needs from the caller (once), re-checks call.still_waiting() before acting,
  // and returns the answer. Continue is only honoured when nothing the decision used came from user memory.
  virtual Decision run(PendingCall& call, const EmulationServices& services) const = 0;
};

using HandlerPtr = std::shared_ptr<const EmulationHandler>;
using HandlerFactory = std::expected<HandlerPtr, HandlerOptionError> (*)(const nlohmann::json& options);

// Answers built by handlers: the rule stays attached so events name it.
inline Decision emulated_value(const PendingCall& call, int64_t value) {
  Decision d{Verdict::Value, 0, value, call.decision().rule, "emulated"};
  return d;
}
inline Decision emulated_error(const PendingCall& call, int error, std::string_view reason) {
  return Decision::deny(error, reason, call.decision().rule);
}

}  // namespace tollgate
