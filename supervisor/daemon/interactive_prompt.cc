#include "supervisor/daemon/interactive_prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "core/errno_names.h"
#include "supervisor/control/held_calls.h"
#include "supervisor/monotonic_clock.h"

namespace tollgate {
namespace {

constexpr const char* kChoices =
    " \u2014 [a]llow once, [A]llow always, [d]eny, [D]eny always, [e]rrno\u2026, [i]nfo? ";

std::string who(const HeldCall& h) {
  const ProcessInfo* p = h.call->call().cached_process();
  return (p != nullptr ? p->comm : std::string("?")) + "[" + std::to_string(h.call->call().pid()) + "]";
}

}  // namespace

std::expected<std::unique_ptr<InteractivePrompt>, std::string> InteractivePrompt::start(
    uv_loop_t* loop, HeldCalls& held, const std::string& tty) {
  std::unique_ptr<InteractivePrompt> p(new InteractivePrompt(held));
  if (!tty.empty()) {
    p->tty_.reset(open(tty.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!p->tty_) return std::unexpected("--tty " + tty + ": " + std::strerror(errno));
    p->in_ = p->out_ = p->tty_.get();
  }
  if (isatty(p->in_) == 0)
    return std::unexpected(tty.empty() ? "--interactive needs a terminal on stdin"
                                       : "--tty " + tty + ": not a terminal");
  if (tcgetattr(p->in_, &p->saved_) != 0)
    return std::unexpected("--interactive: cannot read the terminal mode");
  // One key at a time, no echo; Ctrl-C still stops the supervisor.
  termios raw = p->saved_;
  raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  tcsetattr(p->in_, TCSANOW, &raw);
  p->poll_.data = p.get();
  if (uv_poll_init(loop, &p->poll_, p->in_) != 0) {
    tcsetattr(p->in_, TCSANOW, &p->saved_);
    return std::unexpected("--interactive: cannot watch the terminal");
  }
  uv_poll_start(&p->poll_, UV_READABLE, &InteractivePrompt::on_input);
  // Held calls keep the loop alive while they wait; an idle terminal must not.
  uv_unref(reinterpret_cast<uv_handle_t*>(&p->poll_));
  InteractivePrompt* self = p.get();
  held.add_observer([self](HeldChange change, const HeldCall& call) { self->changed(change, call); });
  self->say("tollgate: asking here about calls held by \"ask\" rules\r\n");
  return p;
}

InteractivePrompt::~InteractivePrompt() {
  close();
}

void InteractivePrompt::close() {
  if (closed_) return;
  closed_ = true;
  tcsetattr(in_, TCSANOW, &saved_);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), nullptr);
}

void InteractivePrompt::say(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(out_, text.data() + done, text.size() - done);
    if (n <= 0) return;  // a terminal that went away: nothing more to say
    done += static_cast<size_t>(n);
  }
}

void InteractivePrompt::on_input(uv_poll_t* handle, int status, int) {
  auto* self = static_cast<InteractivePrompt*>(handle->data);
  if (status < 0 || self->closed_) return;
  char buf[64];
  ssize_t n = read(self->in_, buf, sizeof buf);
  if (n <= 0) {  // the terminal hung up: stop asking; ctl and timeouts still answer
    uv_poll_stop(handle);
    return;
  }
  for (ssize_t i = 0; i < n && !self->closed_; ++i) self->key(buf[i]);
}

void InteractivePrompt::changed(HeldChange change, const HeldCall& call) {
  if (closed_) return;
  if (change == HeldChange::Held) {
    ask_next();
    return;
  }
  if (call.id != current_) return;
  current_ = 0;
  reading_errno_ = false;
  if (!answering_) {
    const char* what = change == HeldChange::TimedOut   ? "timed out: the rule's default applied"
                       : change == HeldChange::Departed ? "its caller left"
                                                        : "answered elsewhere";
    say("\r\n#" + std::to_string(call.id) + " " + what + "\r\n");
  }
  ask_next();
}

void InteractivePrompt::ask_next() {
  if (current_ != 0 || answering_ || held_.calls().empty()) return;
  const HeldCall& next = held_.calls().begin()->second;
  current_ = next.id;
  say("#" + std::to_string(next.id) + " " + who(next) + " " + next.rendered + kChoices);
}

void InteractivePrompt::key(char c) {
  if (current_ == 0) return;
  if (reading_errno_) {
    errno_key(c);
    return;
  }
  switch (c) {
    case 'a':
      answer(true, 0, false);
      break;
    case 'A':
      answer(true, 0, true);
      break;
    case 'd':
      answer(false, EPERM, false);
      break;
    case 'D':
      answer(false, EPERM, true);
      break;
    case 'e':
      reading_errno_ = true;
      errno_text_.clear();
      say("\r\nerrno (e.g. EACCES, Enter to confirm): ");
      break;
    case 'i':
      show_info();
      break;
    default:
      break;
  }
}

void InteractivePrompt::errno_key(char c) {
  if (c == '\r' || c == '\n') {
    reading_errno_ = false;
    auto e = errno_from_name(errno_text_);
    if (!e || *e <= 0 || *e >= 4096) {
      say("\r\nunknown errno \"" + errno_text_ + "\"\r\n");
      const uint64_t id = current_;
      current_ = 0;
      if (held_.calls().contains(id)) ask_next();
      return;
    }
    say("\r\n");
    answer(false, *e, false);
  } else if (c == 0x7f || c == '\b') {
    if (!errno_text_.empty()) {
      errno_text_.pop_back();
      say("\b \b");
    }
  } else if (errno_text_.size() < 32 &&
             ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
    errno_text_ += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    say(std::string(1, errno_text_.back()));
  }
}

void InteractivePrompt::show_info() {
  auto it = held_.calls().find(current_);
  if (it == held_.calls().end()) return;
  const HeldCall& h = it->second;
  const PendingCall& call = *h.call;
  std::string argv;
  for (const auto& a : call.target().argv) argv += (argv.empty() ? "" : " ") + a;
  const ProcessInfo* p = call.call().cached_process();
  const uint64_t now = monotonic_ns();
  say("\r\n  caller:  pid " + std::to_string(call.call().pid()) + (p != nullptr ? ", exe " + p->exe : "") +
      (p != nullptr ? ", uid " + std::to_string(p->uid) : "") + "\r\n  target:  pid " +
      std::to_string(call.target().pid) + ": " + argv + "\r\n  policy:  " + call.target().policy_name +
      ", rule " + (call.decision().rule != nullptr ? call.decision().rule->name : "-") + "\r\n  timeout: " +
      std::to_string(now < h.deadline_ns ? (h.deadline_ns - now) / 1000000000u : 0) + " s left, then " +
      (call.decision().rule != nullptr && call.decision().rule->ask_default_allow &&
               !call.decision().depends_on_memory
           ? "allow"
           : "deny") +
      "\r\n");
  const uint64_t id = current_;
  current_ = 0;
  if (held_.calls().contains(id)) ask_next();
}

void InteractivePrompt::answer(bool allow, int error, bool always) {
  const uint64_t id = current_;
  answering_ = true;
  auto r = held_.answer(id, Answer{allow, error, always, "answered at the prompt"});
  answering_ = false;
  if (r)
    say(std::string(allow ? "allowed" : "denied with " + errno_name(error)) + (always ? " (always)" : "") +
        "\r\n");
  else
    say("\r\n" + r.error() + "\r\n");
  // Next: another call, or the same one again if the answer could not be given (e.g. --always without a
  // file).
  current_ = 0;
  ask_next();
}

}  // namespace tollgate
