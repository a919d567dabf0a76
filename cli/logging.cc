#include "cli/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "supervisor/event_log.h"

namespace tollgate {

void setup_logging() {
  auto logger = spdlog::stderr_logger_mt("tollgate");
  logger->set_pattern("tollgate: %v");
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void report_error(std::string_view message) { spdlog::error("error: {}", message); }

std::unique_ptr<EventLog> open_event_log(bool quiet, const std::optional<std::string>& json_path) {
  try {
    return std::make_unique<EventLog>(!quiet, json_path);
  } catch (const std::exception& e) {
    report_error(e.what());
    return nullptr;
  }
}

}  // namespace tollgate
