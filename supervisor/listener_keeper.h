// Who keeps a copy of every listener the daemon serves, so that a new daemon can take them over if this one
// dies (supervisor/keeper/ implements it; without a keeper nothing is kept). The loop only knows this
// interface.
#pragma once

#include <cstdint>

namespace tollgate {

class ListenerKeeper {
 public:
  virtual ~ListenerKeeper() = default;
  // Main loop, as a listener is added: keeps a copy of it and returns its key (0: not kept).
  virtual uint64_t keep(int listener_fd) = 0;
  // Any thread: this daemon closed the listener for good (its targets are gone, or it failed).
  virtual void forget(uint64_t key) = 0;
};

}  // namespace tollgate
