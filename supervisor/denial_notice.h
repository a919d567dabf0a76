// Explain mode's lines in a container's own terminal: "tollgate: statx(AT_FDCWD, "/", ...) = -1 EPERM  <-
// defaultAction ...", written to the denied caller's stderr before its call returns, so the line comes just
// before the program's own "Operation not permitted". A program that retries in a loop must not flood its
// terminal or keep the loop busy: each listener has a budget (a burst, then a few lines a second), and the
// lines left out are counted in the next line written; the daemon's events keep every one.
#pragma once

#include <cstdint>
#include <string>

#include "supervisor/caller/call_context.h"
#include "tollgate/decision.h"

namespace tollgate {

class NoticeBudget {
 public:
  static constexpr double kBurst = 20;
  static constexpr double kPerSecond = 5;

  // True when a line may be written at `now_ns` (monotonic); false counts the line as left out.
  bool take(uint64_t now_ns);
  // Lines left out since the last one taken; taking a line does not reset it, saying it does.
  uint64_t left_out() const { return left_out_; }
  void said_left_out() { left_out_ = 0; }

 private:
  double tokens_ = kBurst;
  uint64_t last_ns_ = 0;
  uint64_t left_out_ = 0;
};

// Lines stay below PIPE_BUF so that a pipe takes a whole line or none of it.
inline constexpr size_t kMaxNoticeBytes = 1024;

// The line for one explained denial, newline-terminated and at most kMaxNoticeBytes.
std::string denial_notice(const CallContext& call, const Decision& decision, uint64_t left_out);

}  // namespace tollgate
