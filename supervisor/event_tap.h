// A second consumer of decision events besides the EventLog: the control socket's `watch` stream.
// Consulted on the loop thread for every answer, so active() must be cheap.
#pragma once

#include "supervisor/event_log.h"

namespace tollgate {

class EventTap {
 public:
  virtual ~EventTap() = default;
  // False when nobody listens: the supervisor then reads nothing extra from the caller for it.
  virtual bool active() const = 0;
  virtual void decided(const DecisionEvent& event) = 0;
};

}  // namespace tollgate
