#include "supervisor/denial_notice.h"

#include <algorithm>

#include "supervisor/caller/call_formatter.h"

namespace tollgate {

bool NoticeBudget::take(uint64_t now_ns) {
  if (last_ns_ != 0 && now_ns > last_ns_)
    tokens_ = std::min(kBurst, tokens_ + static_cast<double>(now_ns - last_ns_) * kPerSecond / 1e9);
  last_ns_ = now_ns;
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return true;
  }
  ++left_out_;
  return false;
}

std::string denial_notice(const CallContext& call, const Decision& decision, uint64_t left_out) {
  std::string line = "tollgate: " + format_call(call) + " " + decision.explanation;
  if (left_out > 0)
    line += " (" + std::to_string(left_out) + " earlier denial" + (left_out == 1 ? "" : "s") +
            " not shown here: see the daemon's events)";
  constexpr std::string_view kCut = "...";
  if (line.size() + 1 > kMaxNoticeBytes) line = line.substr(0, kMaxNoticeBytes - 1 - kCut.size()) + std::string(kCut);
  return line + "\n";
}

}  // namespace tollgate
