// A second consumer of decision events besides the EventLog: the control socket's `watch` stream.
// active() is asked on the serving loops for every answer, so it must be cheap and thread-safe; decided()
// runs on the main loop, with the event already in its JSON form, in the order each loop answered.
#pragma once

#include <nlohmann/json.hpp>

namespace tollgate {

class EventTap {
 public:
  virtual ~EventTap() = default;
  // False when nobody listens: the supervisor then reads nothing extra from the caller for it. Any thread.
  virtual bool active() const = 0;
  virtual void decided(nlohmann::json event) = 0;
};

}  // namespace tollgate
