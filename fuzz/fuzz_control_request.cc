// Requests on the control socket (docs/control-protocol.md), one per line, handled as ControlServer does:
// a line that is JSON goes to handle_control_request against a supervisor with no targets and nothing
// held. Every request gets one reply with "ok", and a refusal says why; nothing throws.
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "supervisor/control/control_commands.h"
#include "supervisor/control/held_calls.h"
#include "supervisor/event_log.h"
#include "supervisor/supervisor.h"

namespace {

// A supervisor that is never run: requests are handled synchronously, as on the loop thread. Built once
// and kept for the whole process (the loop is never run, so its handles are never closed).
struct IdleSupervisor {
  uv_loop_t loop{};
  tollgate::EventLog events{false, std::nullopt};
  tollgate::Supervisor supervisor{init(&loop), events};
  tollgate::HeldCalls held{&loop, supervisor, nullptr};
  tollgate::ControlContext context{supervisor, held, [] {
                                     return std::expected<nlohmann::json, std::string>(
                                         nlohmann::json{{"learned_rules", 0}, {"reloaded_targets", 0}});
                                   }};

  static uv_loop_t* init(uv_loop_t* loop) {
    uv_loop_init(loop);
    return loop;
  }
};

void handle_line(std::string_view line, tollgate::ControlContext& context) {
  const nlohmann::json request = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return;  // answered "not JSON" by the server itself
  const tollgate::ControlReply reply = tollgate::handle_control_request(request, context);
  const nlohmann::json& body = reply.body;
  FUZZ_CHECK(body.is_object());
  if (body.contains("ok")) {
    FUZZ_CHECK(body["ok"].is_boolean());
    if (!body["ok"].get<bool>()) FUZZ_CHECK(body.contains("error") && body["error"].is_string());
  }
  // The server writes replies with invalid UTF-8 replaced; that must always succeed.
  (void)body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static IdleSupervisor* const idle = new IdleSupervisor();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    const size_t nl = input.find('\n');
    std::string_view line = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) handle_line(line, idle->context);
  }
  return 0;
}
