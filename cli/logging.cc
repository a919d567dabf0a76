#include "cli/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "supervisor/event_log.h"

namespace tollgate {

namespace {

// systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream it connected to stderr. Only when stderr is that
// very stream (not redirected by a wrapper) do the lines go to the journal and may carry priorities.
bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

// "<3>" and the like before each line (sd-daemon(3)): the journal strips it and files the line at that
// priority, so `journalctl -p warning` shows denials and errors without the decisions that were allowed.
class JournalPriority final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::string_view prefix = SD_INFO;
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        prefix = SD_DEBUG;
        break;
      case spdlog::level::info:
        prefix = SD_INFO;
        break;
      case spdlog::level::warn:
        prefix = SD_WARNING;
        break;
      case spdlog::level::err:
        prefix = SD_ERR;
        break;
      case spdlog::level::critical:
        prefix = SD_CRIT;
        break;
      default:
        break;
    }
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JournalPriority>();
  }
};

}  // namespace

void setup_logging() {
  auto logger = spdlog::stderr_logger_mt("tollgate");
  if (stderr_is_journal()) {
    // The journal names the unit and pid already; "tollgate: " would only repeat it.
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JournalPriority>('J').set_pattern("%J%v");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("tollgate: %v");
  }
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

std::optional<spdlog::level::level_enum> log_level_named(std::string_view name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "info") return spdlog::level::info;
  if (name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  return std::nullopt;
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
