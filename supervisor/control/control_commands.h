// What each control request does (docs/control-protocol.md): pending, allow, deny, stats, targets, watch,
// reload, report. Transport, limits and peer checks are the ControlServer's; this file only turns one request
// into one reply. Loop thread.
#pragma once

#include <expected>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "supervisor/control/control_server.h"

namespace tollgate {

class ContainerReports;
class DaemonMetrics;
class HeldCalls;
class Supervisor;

struct ControlContext {
  Supervisor& supervisor;
  HeldCalls& held;
  // Re-reads policies; the reply's body on success. Empty: reload is not available.
  std::function<std::expected<nlohmann::json, std::string>()> reload;
  // `stats` with "format": "openmetrics": the exposition. Null: that format is not available.
  const DaemonMetrics* metrics = nullptr;
  // `report`: containers' audit and learn reports. Null: this supervisor keeps none.
  const ContainerReports* reports = nullptr;
  // `upgrade`: asks the keeper to start the binary on disk in this daemon's place. Empty: no keeper.
  std::function<std::expected<nlohmann::json, std::string>()> upgrade;
};

ControlReply handle_control_request(const nlohmann::json& request, ControlContext& context);

}  // namespace tollgate
