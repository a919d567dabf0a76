#include "cli/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace tollgate {

void setup_logging() {
  auto logger = spdlog::stderr_logger_mt("tollgate");
  logger->set_pattern("tollgate: %v");
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void report_error(std::string_view message) { spdlog::error("error: {}", message); }

}  // namespace tollgate
