#include "supervisor/socket/refusal_log.h"

namespace tollgate {

std::optional<uint64_t> RefusalLog::note(uint64_t now_ms) {
  ++unlogged_;
  if (logged_at_ms_ && now_ms - *logged_at_ms_ < interval_ms_) return std::nullopt;
  logged_at_ms_ = now_ms;
  const uint64_t stands_for = unlogged_;
  unlogged_ = 0;
  return stands_for;
}

std::string RefusalLog::counted(uint64_t refusals, std::string_view verb) {
  if (refusals <= 1) return "";
  return " (" + std::to_string(refusals) + " " + std::string(verb) + " since the last such line)";
}

}  // namespace tollgate
