// The "time" handler: settimeofday, clock_settime, adjtimex and clock_adjtime.
//   mode "pretend" (default): answer as if the clock had been set, change nothing (the decision is logged
//     like any other). adjtimex gets the clock's real state back, so time daemons see a sane clock.
//   mode "host": apply to the host clock, for a trusted time daemon; needs "max_step_seconds", and a step
//     larger than that is refused with EPERM.
// "max_step_seconds" also bounds what "pretend" accepts. "require_cap_sys_time" (default true): whether the
// caller must hold CAP_SYS_TIME in its own user namespace, as the kernel would want; false lets "pretend"
// answer callers without it too (a container runtime drops CAP_SYS_TIME by default, and software such as
// `date -s` in an image then fails where the policy would rather it went on). "host" always requires it.
// Arguments are checked as the kernel checks them
// (EFAULT, EINVAL), so a program cannot tell a pretended success from a real one by its errors.
#include <errno.h>
#include <sys/timex.h>
#include <time.h>

#include <cmath>
#include <optional>

#include "supervisor/caller/caller_credentials.h"
#include "supervisor/emulation/emulation_handlers.h"
#include "supervisor/emulation/handler_options.h"
#include "supervisor/caller/target_memory.h"

namespace tollgate {
namespace {

constexpr int kCapSysTime = 25;

double now_realtime() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

class TimeHandler : public EmulationHandler {
 public:
  TimeHandler(bool host, std::optional<double> max_step, bool require_cap)
      : host_(host), max_step_(max_step), require_cap_(require_cap) {}

  Decision run(PendingCall& call, const EmulationServices&) const override {
    const std::string_view name = call.call().syscall_name();
    const pid_t pid = call.call().pid();
    if (require_cap_) {
      auto creds = read_caller_credentials(pid);
      if (!creds) return emulated_error(call, EPERM, "caller unreadable");
      // The kernel wants CAP_SYS_TIME (over the initial user namespace; a container never has that, so its
      // own namespace's capability is what we can honour).
      if (!creds->has_cap(kCapSysTime)) return emulated_error(call, EPERM, "caller lacks CAP_SYS_TIME");
    }
    if (name == "settimeofday") return settimeofday(call, pid);
    if (name == "clock_settime") return clock_settime(call, pid);
    if (name == "adjtimex") return adjtime(call, pid, call.call().arg(0), CLOCK_REALTIME);
    if (name == "clock_adjtime")
      return adjtime(call, pid, call.call().arg(1), static_cast<clockid_t>(call.call().arg(0)));
    return emulated_error(call, EPERM, "time handler: not a clock call");
  }

 private:
  // Applies or pretends to set the clock to `target` seconds since the epoch.
  Decision set_clock(PendingCall& call, std::optional<timespec> target) const {
    if (!call.still_waiting()) return emulated_error(call, EPERM, "caller gone");
    if (!target) return emulated_value(call, 0);
    const double step =
        static_cast<double>(target->tv_sec) + static_cast<double>(target->tv_nsec) / 1e9 - now_realtime();
    if (max_step_ && std::fabs(step) > *max_step_)
      return emulated_error(call, EPERM, "clock step above max_step_seconds");
    if (!host_) return emulated_value(call, 0);
    if (::clock_settime(CLOCK_REALTIME, &*target) != 0)
      return emulated_error(call, errno, "setting the host clock");
    return emulated_value(call, 0);
  }

  Decision settimeofday(PendingCall& call, pid_t pid) const {
    std::optional<timespec> target;
    if (uint64_t tv = call.call().arg(0); tv != 0) {
      timeval v{};
      if (auto r = read_target_bytes(pid, tv, &v, sizeof v); !r)
        return emulated_error(call, EFAULT, "bad timeval");
      if (v.tv_usec < 0 || v.tv_usec >= 1000000 || v.tv_sec < 0)
        return emulated_error(call, EINVAL, "bad timeval");
      target = timespec{v.tv_sec, v.tv_usec * 1000};
    }
    if (uint64_t tz = call.call().arg(1); tz != 0) {
      struct timezone z {};
      if (auto r = read_target_bytes(pid, tz, &z, sizeof z); !r)
        return emulated_error(call, EFAULT, "bad timezone");
      // The kernel's timezone is host-wide state nothing should need; only pretending is offered.
      if (host_) return emulated_error(call, EPERM, "setting the kernel timezone is not emulated");
    }
    return set_clock(call, target);
  }

  Decision clock_settime(PendingCall& call, pid_t pid) const {
    if (static_cast<clockid_t>(call.call().arg(0)) != CLOCK_REALTIME)
      return emulated_error(call, EINVAL, "only CLOCK_REALTIME can be set");
    timespec ts{};
    if (auto r = read_target_bytes(pid, call.call().arg(1), &ts, sizeof ts); !r)
      return emulated_error(call, EFAULT, "bad timespec");
    if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000 || ts.tv_sec < 0)
      return emulated_error(call, EINVAL, "bad timespec");
    return set_clock(call, ts);
  }

  Decision adjtime(PendingCall& call, pid_t pid, uint64_t address, clockid_t clock) const {
    if (clock != CLOCK_REALTIME) return emulated_error(call, EINVAL, "only CLOCK_REALTIME is emulated");
    timex tx{};
    if (auto r = read_target_bytes(pid, address, &tx, sizeof tx); !r)
      return emulated_error(call, EFAULT, "bad timex");
    if (tx.modes != 0 && host_) {
      if (tx.modes & ADJ_SETOFFSET) {
        const double frac = (tx.modes & ADJ_NANO) ? tx.time.tv_usec / 1e9 : tx.time.tv_usec / 1e6;
        if (max_step_ && std::fabs(static_cast<double>(tx.time.tv_sec) + frac) > *max_step_)
          return emulated_error(call, EPERM, "clock step above max_step_seconds");
      }
    } else {
      // A query, or a pretended adjustment: report the clock's real state and change nothing.
      tx = timex{};
    }
    if (!call.still_waiting()) return emulated_error(call, EPERM, "caller gone");
    int state = ::adjtimex(&tx);
    if (state < 0) return emulated_error(call, errno, "adjtimex");
    if (auto w = write_target_bytes(pid, address, &tx, sizeof tx); !w)
      return emulated_error(call, EFAULT, "writing timex back");
    return emulated_value(call, state);
  }

  bool host_;
  std::optional<double> max_step_;
  bool require_cap_;
};

}  // namespace

std::expected<HandlerPtr, HandlerOptionError> make_time_handler(const nlohmann::json& options) {
  HandlerOptionReader r(options, {"mode", "max_step_seconds", "require_cap_sys_time"});
  const auto mode = r.string("mode", {"pretend", "host"});
  const auto max_step = r.number("max_step_seconds", 0, 1e9);
  const auto require_cap = r.boolean("require_cap_sys_time");
  const bool host = mode.value_or("pretend") == "host";
  if (host && !max_step)
    r.fail("/max_step_seconds", "required in \"host\" mode (the largest clock step allowed)");
  if (host && require_cap == false)
    r.fail("/require_cap_sys_time", "must stay true in \"host\" mode: only a caller the kernel would let "
                                     "set the clock may set the host's");
  if (r.error()) return std::unexpected(*r.error());
  return std::make_shared<TimeHandler>(host, max_step, require_cap.value_or(true));
}

}  // namespace tollgate
