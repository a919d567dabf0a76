#include "supervisor/emulation/emulation_dispatcher.h"

#include <spdlog/spdlog.h>

#include "supervisor/emulation/emulation_handlers.h"
#include "supervisor/listener.h"

namespace tollgate {

EmulationDispatcher::EmulationDispatcher(Supervisor& supervisor) : supervisor_(supervisor) {
  services_.mounts = &mounts_;
}

EmulationDispatcher::~EmulationDispatcher() {
  supervisor_.close_all();
}

HandlerPtr EmulationDispatcher::handler_for(const Rule& rule) {
  std::lock_guard lock(handlers_mutex_);
  auto it = handlers_.find(&rule);
  if (it != handlers_.end() && it->second.name == rule.handler && it->second.options == rule.handler_options)
    return it->second.handler;
  auto made = make_emulation_handler(rule.handler, rule.handler_options);
  if (!made) {
    // The parser validated these options already; reaching here means a policy built some other way.
    spdlog::error("rule {}: handler {}: {}{}: {}", rule.name, rule.handler, rule.json_pointer + "/options",
                  made.error().json_pointer, made.error().message);
    return nullptr;
  }
  handlers_[&rule] = CachedHandler{rule.handler_options, rule.handler, *made};
  return *made;
}

void EmulationDispatcher::begin(PendingCallPtr call) {
  const Rule* rule = call->decision().rule;
  HandlerPtr handler = rule != nullptr ? handler_for(*rule) : nullptr;
  if (!handler) {
    supervisor_.complete(call, Decision::deny(EPERM, "emulation handler unavailable", rule));
    return;
  }
  const TargetInfo& target = call->target();
  const void* peer = target.container ? static_cast<const void*>(&target.container->container())
                                      : static_cast<const void*>(call->listener());
  if (!take_slot(peer)) {
    supervisor_.complete(call, Decision::deny(EPERM, "too many emulations of this target in progress", rule));
    return;
  }
  ServingLoop& loop = call->listener()->owner();
  loop.run_outside_loop([this, peer, call = std::move(call), handler = std::move(handler)] {
    Decision answer = Decision::deny(EPERM, "emulation failed", call->decision().rule);
    try {
      answer = handler->run(*call, services_);
    } catch (const std::exception& e) {
      spdlog::error("emulating {}: {}", call->call().syscall_name(), e.what());
    }
    give_back_slot(peer);
    supervisor_.complete(call, std::move(answer));
  });
}

bool EmulationDispatcher::take_slot(const void* peer) {
  std::lock_guard lock(running_mutex_);
  unsigned& running = running_[peer];
  if (running >= kMaxRunningPerPeer) return false;
  ++running;
  return true;
}

void EmulationDispatcher::give_back_slot(const void* peer) {
  std::lock_guard lock(running_mutex_);
  auto it = running_.find(peer);
  if (it != running_.end() && --it->second == 0) running_.erase(it);
}

}  // namespace tollgate
