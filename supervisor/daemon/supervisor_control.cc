#include "supervisor/daemon/supervisor_control.h"

#include <grp.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "supervisor/control/control_commands.h"
#include "supervisor/control/control_server.h"
#include "supervisor/control/held_calls.h"
#include "supervisor/control/learned_rules.h"
#include "supervisor/daemon/interactive_prompt.h"
#include "supervisor/metrics/daemon_metrics.h"
#include "supervisor/monotonic_clock.h"
#include "supervisor/supervisor.h"

namespace tollgate {
namespace {

std::expected<gid_t, std::string> group_id(const std::string& name) {
  if (const group* g = getgrnam(name.c_str())) return g->gr_gid;
  char* end = nullptr;
  unsigned long n = std::strtoul(name.c_str(), &end, 10);
  if (!name.empty() && *end == '\0') return static_cast<gid_t>(n);
  return std::unexpected("unknown group \"" + name + "\"");
}

}  // namespace

std::expected<std::unique_ptr<SupervisorControl>, std::string> SupervisorControl::start(
    uv_loop_t* loop, Supervisor& supervisor, const ControlOptions& o, ReloadFn reload,
    UniqueFd activated_socket, DaemonMetrics* metrics, const ContainerReports* reports) {
  std::unique_ptr<SupervisorControl> c(new SupervisorControl());
  c->supervisor_ = &supervisor;
  c->reload_policies_ = std::move(reload);
  if (o.learned_path) {
    auto learned = LearnedRules::open(*o.learned_path);
    if (!learned) return std::unexpected("--learned " + learned.error());
    c->learned_ = std::move(*learned);
  }
  std::optional<gid_t> gid;
  if (o.group) {
    auto g = group_id(*o.group);
    if (!g) return std::unexpected("--control-group: " + g.error());
    gid = *g;
  }
  c->held_ = std::make_unique<HeldCalls>(loop, supervisor, c->learned_.get());
  if (metrics != nullptr) metrics->set_held_calls([held = c->held_.get()] { return held->calls().size(); });

  if (activated_socket || !o.socket_path.empty()) {
    SupervisorControl* self = c.get();
    auto handler = [self, metrics, reports](const nlohmann::json& request) {
      ControlContext ctx{
          *self->supervisor_, *self->held_, [self] { return self->reload(); }, metrics, reports,
          self->upgrade_};
      return handle_control_request(request, ctx);
    };
    auto server = activated_socket ? ControlServer::adopt(loop, std::move(activated_socket), gid, handler)
                                   : ControlServer::listen(loop, o.socket_path, gid, handler);
    if (!server && !o.socket_optional) {
      c->held_->close();
      return std::unexpected("--control-socket " + server.error());
    }
    if (!server) {
      spdlog::warn("no control socket ({}); `tollgate ctl` cannot reach this supervisor", server.error());
      return finish_start(std::move(c), loop, supervisor, o);
    }
    c->server_ = std::move(*server);
    ControlServer* srv = c->server_.get();
    c->held_->add_observer([srv](HeldChange change, const HeldCall& held) {
      if (srv->active()) srv->broadcast(held_change_json(change, held, monotonic_ns()));
    });
    supervisor.set_event_tap(srv);
  }
  return finish_start(std::move(c), loop, supervisor, o);
}

std::expected<std::unique_ptr<SupervisorControl>, std::string> SupervisorControl::finish_start(
    std::unique_ptr<SupervisorControl> c, uv_loop_t* loop, Supervisor& supervisor, const ControlOptions& o) {
  if (o.interactive) {
    auto prompt = InteractivePrompt::start(loop, *c->held_, o.tty);
    if (!prompt) {
      c->close();
      return std::unexpected(prompt.error());
    }
    c->prompt_ = std::move(*prompt);
  }
  supervisor.set_asker(c->held_.get());
  return c;
}

SupervisorControl::~SupervisorControl() {
  close();
}

void SupervisorControl::close() {
  if (closed_) return;
  closed_ = true;
  supervisor_->set_asker(nullptr);
  if (held_) held_->close();
  supervisor_->set_event_tap(nullptr);
  if (server_) server_->close();
  if (prompt_) prompt_->close();
}

std::expected<nlohmann::json, std::string> SupervisorControl::reload() {
  nlohmann::json body = {{"ok", true}};
  if (learned_) {
    if (auto r = learned_->reload(); !r)
      return std::unexpected(r.error() + " (the rules in force are unchanged)");
    body["learned_rules"] = learned_->size();
  }
  if (reload_policies_) {
    auto r = reload_policies_();
    if (!r) return std::unexpected(r.error());
    body.update(*r);
  }
  return body;
}

int SupervisorControl::listening_fd() const {
  return server_ ? server_->listening_fd() : -1;
}

}  // namespace tollgate
