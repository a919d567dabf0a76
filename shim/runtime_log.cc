#include "shim/runtime_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "tollgate/unique_fd.h"

namespace tollgate {
namespace {

std::string now_rfc3339() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%FT%TZ", &utc);
  return text;
}

// logrus quotes text values like Go's strconv.Quote; JSON string escaping is close enough for one line.
std::string quoted(std::string_view text) {
  return nlohmann::json(std::string(text)).dump();
}

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

std::string format_runtime_log_line(RuntimeLogFormat format, std::string_view level, std::string_view message,
                                    std::string_view time) {
  if (format == RuntimeLogFormat::Json) {
    nlohmann::ordered_json line = {{"level", level}, {"msg", message}, {"time", time}};
    return line.dump() + "\n";
  }
  return "time=" + quoted(time) + " level=" + std::string(level) + " msg=" + quoted(message) + "\n";
}

void report_runtime_error(const RuntimeCommandLine& line, std::string_view message) {
  write_all(STDERR_FILENO, "tollgate: " + std::string(message) + "\n");
  if (!line.log_path) return;
  UniqueFd log(::open(line.log_path->c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!log) return;
  write_all(log.get(), format_runtime_log_line(line.log_format, "error", message, now_rfc3339()));
}

}  // namespace tollgate
