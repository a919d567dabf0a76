// `tollgate supervise --interactive`: asks about each held call on the terminal tollgate runs in, one at a
// time, oldest first. Answers given elsewhere (ctl), timeouts and callers that leave move it to the next.
//
//   tg_probe[4242] settimeofday(NULL, NULL) — [a]llow once, [A]llow always, [d]eny, [D]eny always, [e]rrno…,
//   [i]nfo?
#pragma once

#include <termios.h>
#include <unistd.h>
#include <uv.h>

#include <cstdint>
#include <expected>
#include <memory>
#include <string>

#include "tollgate/unique_fd.h"

namespace tollgate {

class HeldCalls;
struct HeldCall;
enum class HeldChange;

class InteractivePrompt {
 public:
  // Asks on `tty` (a terminal device such as /dev/pts/3), or on stdin/stdout when empty.
  // Error: that is not a terminal. The prompt never keeps the loop alive by itself.
  static std::expected<std::unique_ptr<InteractivePrompt>, std::string> start(uv_loop_t* loop,
                                                                              HeldCalls& held,
                                                                              const std::string& tty = {});
  ~InteractivePrompt();
  InteractivePrompt(const InteractivePrompt&) = delete;
  InteractivePrompt& operator=(const InteractivePrompt&) = delete;
  // Restores the terminal and stops reading it.
  void close();

 private:
  InteractivePrompt(HeldCalls& held) : held_(held) {}
  static void on_input(uv_poll_t* handle, int status, int events);
  void changed(HeldChange change, const HeldCall& call);
  void key(char c);
  void errno_key(char c);
  void ask_next();
  void show_info();
  void answer(bool allow, int error, bool always);
  void say(const std::string& text);

  HeldCalls& held_;
  UniqueFd tty_;  // when asking on a terminal of its own
  int in_ = STDIN_FILENO;
  int out_ = STDOUT_FILENO;
  uv_poll_t poll_{};
  termios saved_{};
  bool closed_ = false;
  bool answering_ = false;
  uint64_t current_ = 0;  // the id being asked about; 0 when none
  bool reading_errno_ = false;
  std::string errno_text_;
};

}  // namespace tollgate
