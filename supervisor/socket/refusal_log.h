// Refusals repeat as fast as a peer reconnects (or, at the open-file limit, as fast as peers wait): a line
// for each would let any peer fill the log and keep the loop writing it. The first refusal is logged at
// once; after it, at most one line per interval, saying how many refusals it stands for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate {

// The daemon's interval for every RefusalLog: a flood costs at most one line per kind per this long.
inline constexpr uint64_t kRefusalLogIntervalMs = 10000;

class RefusalLog {
 public:
  explicit RefusalLog(uint64_t interval_ms) : interval_ms_(interval_ms) {}

  // Counts one refusal at `now_ms` (a monotonic clock in milliseconds). When a line is due, returns how
  // many refusals it stands for: this one and those not logged since the last line.
  std::optional<uint64_t> note(uint64_t now_ms);
  // What a line appends for the count note() returned: "" for 1, else " (N <verb> since the last such line)".
  static std::string counted(uint64_t refusals, std::string_view verb);

 private:
  uint64_t interval_ms_;
  uint64_t unlogged_ = 0;
  std::optional<uint64_t> logged_at_ms_;
};

}  // namespace tollgate
