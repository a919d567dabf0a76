#include "supervisor/control/control_commands.h"

#include <unistd.h>

#include "core/errno_names.h"
#include "supervisor/control/held_calls.h"
#include "supervisor/decide/container_registry.h"
#include "supervisor/diagnose/container_reports.h"
#include "supervisor/listener.h"
#include "supervisor/metrics/daemon_metrics.h"
#include "supervisor/monotonic_clock.h"
#include "supervisor/supervisor.h"

namespace tollgate {
namespace {

ControlReply fail(const std::string& message) {
  return {{{"ok", false}, {"error", message}}, false};
}

std::expected<uint64_t, std::string> id_of(const nlohmann::json& request) {
  if (!request.contains("id")) return std::unexpected("missing \"id\" (a held call's id, see `pending`)");
  const nlohmann::json& id = request["id"];
  if (!id.is_number_unsigned()) return std::unexpected("\"id\" must be a positive integer");
  return id.get<uint64_t>();
}

std::expected<bool, std::string> flag(const nlohmann::json& request, const char* name) {
  if (!request.contains(name)) return false;
  if (!request[name].is_boolean())
    return std::unexpected(std::string("\"") + name + "\" must be true or false");
  return request[name].get<bool>();
}

std::expected<int, std::string> errno_of(const nlohmann::json& request) {
  if (!request.contains("errno")) return EPERM;
  const nlohmann::json& e = request["errno"];
  if (e.is_string()) {
    if (auto n = errno_from_name(e.get<std::string>()); n && *n > 0 && *n < 4096) return *n;
    return std::unexpected("unknown errno name \"" + e.get<std::string>() + "\"");
  }
  if (e.is_number_unsigned() && e.get<uint64_t>() > 0 && e.get<uint64_t>() < 4096) return e.get<int>();
  return std::unexpected("\"errno\" must be a name such as \"EACCES\" or a number from 1 to 4095");
}

ControlReply answer(const nlohmann::json& request, ControlContext& ctx, bool allow) {
  auto id = id_of(request);
  if (!id) return fail(id.error());
  auto always = flag(request, "always");
  if (!always) return fail(always.error());
  Answer a{allow, EPERM, *always, allow ? "allowed by ctl" : "denied by ctl"};
  if (!allow) {
    auto e = errno_of(request);
    if (!e) return fail(e.error());
    a.error = *e;
  } else if (request.contains("errno")) {
    return fail("\"errno\" goes with deny, not allow");
  }
  if (auto r = ctx.held.answer(*id, a); !r) return fail(r.error());
  nlohmann::json body = {
      {"ok", true}, {"id", *id}, {"answer", allow ? "allow" : "deny"}, {"always", *always}};
  if (!allow) body["errno"] = errno_name(a.error);
  return {body, false};
}

nlohmann::json pending(ControlContext& ctx) {
  const uint64_t now = monotonic_ns();
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [id, held] : ctx.held.calls()) list.push_back(held_call_json(held, now));
  return {{"pending", std::move(list)}};
}

nlohmann::json targets(ControlContext& ctx) {
  const uint64_t now = monotonic_ns();
  std::map<const Listener*, size_t> held_per_listener;
  for (const auto& [id, held] : ctx.held.calls()) ++held_per_listener[held.call->listener()];
  nlohmann::json list = nlohmann::json::array();
  ctx.supervisor.for_each_listener([&](const Listener& l) {
    nlohmann::json t = {{"pid", l.target().pid},
                        {"argv", shown_command(l.target())},
                        {"policy", l.target().policy_name},
                        {"age_ms", (now - l.added_ns()) / 1000000u},
                        {"held", held_per_listener[&l]}};
    if (!l.target().metadata.empty()) t["metadata"] = l.target().metadata;
    if (l.target().container) t["container"] = container_json(l.target());
    list.push_back(std::move(t));
  });
  std::sort(list.begin(), list.end(),
            [](const nlohmann::json& a, const nlohmann::json& b) { return a["pid"] < b["pid"]; });
  return {{"targets", std::move(list)}};
}

nlohmann::json stats(ControlContext& ctx) {
  const SupervisorStats s = ctx.supervisor.stats();
  nlohmann::json j = ctx.supervisor.decision_stats().to_json();
  j["notifications"] = s.notifications;
  j["targets_gone"] = s.targets_gone;
  j["errors"] = s.errors;
  j["unanswered"] = s.unanswered;
  j["held"] = ctx.held.calls().size();
  j["listeners"] = ctx.supervisor.listener_count();
  j["listeners_opened"] = s.listeners_opened;
  j["listeners_closed"] = s.listeners_closed;
  j["loops"] = ctx.supervisor.loop_count();
  j["serving_threads"] = ctx.supervisor.serving_threads();
  j["pid"] = getpid();  // the daemon's own (under --keeper, not the keeper's)
  return {{"stats", std::move(j)}};
}

ControlReply report(const nlohmann::json& request, ControlContext& ctx) {
  if (ctx.reports == nullptr) return fail("this supervisor keeps no container reports");
  auto id = request.find("container");
  if (id == request.end() || !id->is_string() || id->get<std::string>().empty())
    return fail("missing \"container\" (the id of a container run in audit or learn mode)");
  auto found = ctx.reports->find(id->get<std::string>());
  if (!found) return fail(found.error());
  return {{{"ok", true}, {"report", std::move(*found)}}, false};
}

}  // namespace

ControlReply handle_control_request(const nlohmann::json& request, ControlContext& ctx) {
  if (!request.is_object()) return fail("a request is a JSON object, e.g. {\"v\":1,\"cmd\":\"pending\"}");
  if (request.contains("v") && request["v"] != kControlProtocolVersion)
    return fail("unsupported protocol version (this supervisor speaks " +
                std::to_string(kControlProtocolVersion) + ")");
  if (!request.contains("cmd") || !request["cmd"].is_string()) return fail("missing \"cmd\"");
  const std::string cmd = request["cmd"].get<std::string>();
  if (cmd == "pending") return {pending(ctx), false};
  if (cmd == "allow") return answer(request, ctx, true);
  if (cmd == "deny") return answer(request, ctx, false);
  if (cmd == "stats" && request.value("format", "json") == "openmetrics") {
    // The same text the metrics endpoint serves, for hosts that expose no port (docs/metrics.md).
    if (ctx.metrics == nullptr) return fail("this supervisor has no metrics exposition");
    return {{{"openmetrics", ctx.metrics->exposition()}}, false};
  }
  if (cmd == "stats") return {stats(ctx), false};
  if (cmd == "targets") return {targets(ctx), false};
  if (cmd == "watch") return {{{"watching", true}}, true};
  if (cmd == "report") return report(request, ctx);
  if (cmd == "upgrade") {
    if (!ctx.upgrade)
      return fail(
          "this supervisor runs without a keeper (tollgate supervise --keeper) and cannot be upgraded in "
          "place");
    auto r = ctx.upgrade();
    if (!r) return fail(r.error());
    return {*r, false};
  }
  if (cmd == "reload") {
    if (!ctx.reload) return fail("this supervisor has nothing to reload");
    auto r = ctx.reload();
    if (!r) return fail(r.error());
    return {*r, false};
  }
  return fail("unknown command \"" + cmd.substr(0, 64) + "\"");
}

}  // namespace tollgate
