// bench_roundtrip: what one rule-decided notified call costs through the whole supervisor, next to the floor
// (unotify_floor: the same round trip with nothing in the way), in the same run on the same machine.
//
// The supervisor is embedded the way `tollgate run` wires it: a policy parsed from JSON, compiled to a
// filter, the target launched under it by launch_under_filter, its listener served by a Supervisor on a
// libuv loop with events disabled, the loop run until the target exits. Rounds alternate floor and
// tollgate so that drift on the machine (frequency, neighbours) hits both alike.
//
// Modes:
//   deny   rule "deny" EPERM        vs  unotify_floor --sync --epoll            (an answer with a value)
//   allow  rule "allow" (CONTINUE)  vs  unotify_floor --sync --epoll --continue
#include <errno.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <expected>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "agent/launcher.h"
#include "bench/bench_options.h"
#include "bench/bench_process.h"
#include "bench/bench_stats.h"
#include "bench/concurrent_runs.h"
#include "bench/getppid_policy.h"
#include "bench/target_report.h"
#include "core/policy_parser.h"
#include "profile/filter_compiler.h"
#include "supervisor/event_log.h"
#include "supervisor/rules/rule_set.h"
#include "supervisor/supervisor.h"

namespace tollgate::bench {
namespace {

constexpr double kTargetRatio = 1.5;

struct Mode {
  std::string name;
  std::string rule_action;               // "deny" or "allow"
  std::string expected;                  // bench_target's EXPECTED argument
  std::vector<std::string> floor_flags;  // the floor run it is compared with
};

const std::vector<Mode>& all_modes() {
  static const std::vector<Mode> modes = {
      {"deny", "deny", "1", {"--sync", "--epoll"}},
      {"allow", "allow", "real", {"--sync", "--epoll", "--continue"}},
  };
  return modes;
}

struct RoundResult {
  double floor_ns = 0;
  TargetNumbers tollgate;
};

bool has_cap_sys_admin() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  return (data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN)) != 0;
}

// Runs the floor alone; returns its ns per notified syscall.
std::expected<double, std::string> run_floor(const std::string& floor, long count, const Mode& mode) {
  auto r = run_floors({floor, 1, count, mode.floor_flags, {}});
  if (!r) return std::unexpected(r.error());
  return r->ns_per_call[0];
}

// Waits for the target through its pidfd, then stops serving so that the loop runs dry (as `tollgate run`).
class ExitWatch {
 public:
  ExitWatch(uv_loop_t* loop, int pidfd, Supervisor& supervisor) : pidfd_(pidfd), supervisor_(supervisor) {
    poll_.data = this;
    uv_poll_init(loop, &poll_, pidfd);
    uv_poll_start(&poll_, UV_READABLE, &ExitWatch::on_readable);
  }
  ExitWatch(const ExitWatch&) = delete;
  ExitWatch& operator=(const ExitWatch&) = delete;
  std::optional<siginfo_t> exit_info() const { return info_; }

 private:
  static void on_readable(uv_poll_t* handle, int, int) {
    auto* self = static_cast<ExitWatch*>(handle->data);
    siginfo_t info{};
    const auto pidfd = static_cast<id_t>(self->pidfd_);
    if (waitid(static_cast<idtype_t>(P_PIDFD), pidfd, &info, WEXITED | WNOHANG) != 0 || info.si_pid == 0)
      return;
    self->info_ = info;
    uv_close(reinterpret_cast<uv_handle_t*>(&self->poll_), nullptr);
    self->supervisor_.close_all();
  }

  int pidfd_;
  Supervisor& supervisor_;
  uv_poll_t poll_{};
  std::optional<siginfo_t> info_;
};

// Everything a tollgate run needs that does not change between rounds.
struct Prepared {
  const Mode* mode = nullptr;
  PolicyPtr policy;
  std::shared_ptr<const RuleSet> rules;
  std::vector<sock_filter> program;
};

std::expected<Prepared, std::string> prepare(const Mode& mode) {
  auto policy = parse_policy_text(getppid_policy(mode.rule_action), "bench-" + mode.name + ".json",
                                  PolicyParseOptions{});
  if (!policy) return std::unexpected(policy.error().to_string());
  auto compiled = compile_filter((*policy)->filter, FilterEnvironment::of_this_process());
  if (!compiled) return std::unexpected("compiling the filter: " + compiled.error());
  return Prepared{&mode, *policy, std::make_shared<RuleSet>(*policy), std::move(compiled->program)};
}

// What `supervise --keeper` adds on the hot path is the in-flight record (the keeper itself is only told
// about listeners): this keeps the listener under a key, sends nothing, and the ring is a real memfd.
class RecordOnlyKeeper final : public ListenerKeeper {
 public:
  uint64_t keep(int) override { return 1; }
  void forget(uint64_t) override {}
};

std::expected<TargetNumbers, std::string> run_tollgate(const Prepared& prepared,
                                                       const std::string& target_path, long count,
                                                       bool inflight_record) {
  // The target writes its numbers to an inherited pipe whose number it gets on argv. launch_under_filter
  // shares our fd table with the child until its execve, so the write end must stay open here until the
  // target is gone; the line is far smaller than the pipe buffer, so the target never waits on us.
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return std::unexpected(std::string("pipe2: ") + std::strerror(errno));
  UniqueFd read_end(p[0]), write_end(p[1]);
  if (fcntl(write_end.get(), F_SETFD, 0) != 0)
    return std::unexpected(std::string("fcntl: ") + std::strerror(errno));

  EventLog events(false, std::nullopt);
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::expected<TargetNumbers, std::string> result =
      std::unexpected("the loop ended before the target exited");
  {
    Supervisor supervisor(&loop, events);
    RecordOnlyKeeper keeper;
    std::optional<InflightRing> ring;
    if (inflight_record) {
      auto made = InflightRing::create(supervisor.loop_count());
      if (!made) {
        uv_loop_close(&loop);
        return std::unexpected("the in-flight record: " + made.error());
      }
      ring.emplace(std::move(*made));
      supervisor.set_keeper(&keeper, *ring);
    }
    std::vector<std::string> argv = {target_path, std::to_string(count), prepared.mode->expected,
                                     std::to_string(write_end.get())};
    auto target =
        launch_under_filter(LaunchRequest{target_path, argv, prepared.program, !has_cap_sys_admin()});
    if (!target) {
      uv_loop_close(&loop);
      return std::unexpected("launching the target: " + target.error());
    }
    TargetInfo info{target->pid(), argv, prepared.policy->name, {}};
    if (auto serving = supervisor.add_listener(target->take_listener(), info, prepared.rules); !serving) {
      syscall(SYS_pidfd_send_signal, target->pidfd(), SIGKILL, nullptr, 0);
      waitpid(target->pid(), nullptr, 0);
      supervisor.close_all();
      uv_run(&loop, UV_RUN_DEFAULT);
      uv_loop_close(&loop);
      return std::unexpected("serving the listener: " + serving.error());
    }
    ExitWatch watch(&loop, target->pidfd(), supervisor);
    uv_run(&loop, UV_RUN_DEFAULT);

    write_end.reset();
    const std::string out = read_all(read_end.get());
    const auto exit_info = watch.exit_info();
    if (auto e = target->exec_error()) {
      result = std::unexpected("cannot execute " + target_path + ": " + std::strerror(*e));
    } else if (!exit_info) {
      result = std::unexpected("the target's exit was not seen");
    } else if (exit_info->si_code != CLD_EXITED || (exit_info->si_status != 0 && exit_info->si_status != 1)) {
      result = std::unexpected("bench_target ended with code " + std::to_string(exit_info->si_code) +
                               " status " + std::to_string(exit_info->si_status) + ", output: " + out);
    } else {
      result = parse_target_output(out);
      if (result) result->answered = supervisor.stats().answered;
    }
  }
  uv_loop_close(&loop);
  return result;
}

struct Options {
  int rounds = 5;
  long count = 200000;
  ProgramPaths paths;
  std::string only;
  bool inflight_record = false;
};

int run(const Options& o) {
  ProgramPaths paths = o.paths;
  fill_default_paths(paths);
  const std::string floor = paths.floor, target = paths.target;
  for (const auto& [what, path] : {std::pair{"floor", floor}, std::pair{"target", target}}) {
    if (access(path.c_str(), X_OK) != 0) {
      fmt::print(stderr, "bench_roundtrip: {} program {}: {}\n", what, path, std::strerror(errno));
      if (std::string(what) == "floor")
        fmt::print(stderr,
                   "  build it with `cmake --build build --target unotify_floor`, or pass --floor PATH\n");
      return 2;
    }
  }

  std::vector<Prepared> prepared;
  for (const Mode& mode : all_modes()) {
    if (!o.only.empty() && o.only != mode.name) continue;
    auto p = prepare(mode);
    if (!p) {
      fmt::print(stderr, "bench_roundtrip: {} policy: {}\n", mode.name, p.error());
      return 1;
    }
    prepared.push_back(std::move(*p));
  }

  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  const double load_before = load_average();
  fmt::print(
      "bench_roundtrip: {} rounds x {} getppid calls, {} CPUs online, load average {:.2f}, floor {}{}\n",
      o.rounds, o.count, cpus, load_before, floor,
      o.inflight_record ? ", tollgate writing the keeper's in-flight record" : "");
  if (load_before > 0.75 * static_cast<double>(cpus))
    fmt::print("  (the machine is busy: means will be noisy; p50 suffers least)\n");
  std::map<std::string, std::vector<RoundResult>> results;
  bool failed = false;
  for (int round = 0; round < o.rounds && !failed; ++round) {
    for (const Prepared& p : prepared) {
      RoundResult r;
      // Alternate which goes first, so that neither always runs on a warmer (or cooler) machine.
      for (int step = 0; step < 2 && !failed; ++step) {
        if ((step == 0) == (round % 2 == 0)) {
          auto f = run_floor(floor, o.count, *p.mode);
          if (!f) {
            fmt::print(stderr, "bench_roundtrip: {}\n", f.error());
            failed = true;
          } else {
            r.floor_ns = *f;
          }
        } else {
          auto t = run_tollgate(p, target, o.count, o.inflight_record);
          if (!t) {
            fmt::print(stderr, "bench_roundtrip: {} round {}: {}\n", p.mode->name, round + 1, t.error());
            failed = true;
          } else {
            r.tollgate = *t;
          }
        }
      }
      if (failed) break;
      fmt::print(stderr, "  round {} {:5}: floor {:7.0f} ns, tollgate {:7.0f} ns\n", round + 1, p.mode->name,
                 r.floor_ns, r.tollgate.mean_ns);
      results[p.mode->name].push_back(r);
    }
  }
  if (failed) return 1;

  nlohmann::json doc = {{"count", o.count},
                        {"rounds", o.rounds},
                        {"cpus", cpus},
                        {"target_ratio", kTargetRatio},
                        {"inflight_record", o.inflight_record},
                        {"load_before", load_before},
                        {"load_after", load_average()}};
  bool wrong = false;
  for (const Prepared& p : prepared) {
    const auto& rs = results[p.mode->name];
    std::string floor_cmd = "unotify_floor";
    for (const auto& f : p.mode->floor_flags) floor_cmd += " " + f;
    fmt::print("\n{}: rule action \"{}\" vs {}\n", p.mode->name, p.mode->rule_action, floor_cmd);
    fmt::print("  {:>6} {:>10} {:>14} {:>10} {:>10} {:>8} {:>11}\n", "round", "floor ns", "tollgate mean",
               "p50", "p99", "ratio", "mismatches");
    std::vector<double> floors, means, p50s, p99s;
    nlohmann::json jrounds = nlohmann::json::array();
    for (size_t i = 0; i < rs.size(); ++i) {
      const RoundResult& r = rs[i];
      fmt::print("  {:>6} {:>10.0f} {:>14.0f} {:>10.0f} {:>10.0f} {:>8.2f} {:>11}\n", i + 1, r.floor_ns,
                 r.tollgate.mean_ns, r.tollgate.p50_ns, r.tollgate.p99_ns, r.tollgate.mean_ns / r.floor_ns,
                 r.tollgate.mismatches);
      floors.push_back(r.floor_ns);
      means.push_back(r.tollgate.mean_ns);
      p50s.push_back(r.tollgate.p50_ns);
      p99s.push_back(r.tollgate.p99_ns);
      if (r.tollgate.mismatches != 0 || r.tollgate.answered != static_cast<uint64_t>(r.tollgate.count))
        wrong = true;
      jrounds.push_back({{"floor_ns", r.floor_ns},
                         {"tollgate",
                          {{"mean_ns", r.tollgate.mean_ns},
                           {"p50_ns", r.tollgate.p50_ns},
                           {"p99_ns", r.tollgate.p99_ns},
                           {"max_ns", r.tollgate.max_ns},
                           {"wall_ns_per_call", r.tollgate.wall_ns_per_call},
                           {"timer_ns", r.tollgate.timer_ns},
                           {"mismatches", r.tollgate.mismatches},
                           {"answered", r.tollgate.answered}}}});
    }
    const double floor_med = median(floors), mean_med = median(means), ratio = mean_med / floor_med;
    fmt::print("  {:>6} {:>10.0f} {:>14.0f} {:>10.0f} {:>10.0f} {:>8.2f}\n", "median", floor_med, mean_med,
               median(p50s), median(p99s), ratio);
    fmt::print("  ratio tollgate/floor of the median round means: {:.2f} ({} the {:.1f} target)\n", ratio,
               ratio <= kTargetRatio ? "within" : "ABOVE", kTargetRatio);
    doc["modes"][p.mode->name] = {{"rule_action", p.mode->rule_action},
                                  {"floor_command", floor_cmd},
                                  {"rounds", jrounds},
                                  {"floor_median_ns", floor_med},
                                  {"tollgate_median_mean_ns", mean_med},
                                  {"tollgate_median_p50_ns", median(p50s)},
                                  {"tollgate_median_p99_ns", median(p99s)},
                                  {"ratio", ratio}};
  }
  if (wrong)
    fmt::print(stderr,
               "\nbench_roundtrip: some calls got the wrong answer or went unanswered (see mismatches)\n");

  if (!write_json_if_asked(paths, doc, "bench_roundtrip")) return 1;
  return wrong ? 1 : 0;
}

}  // namespace
}  // namespace tollgate::bench

int main(int argc, char** argv) {
  tollgate::bench::Options o;
  CLI::App app{"Supervisor round trip per notified call, against the unotify floor in the same run"};
  tollgate::bench::add_repetition_options(
      app, o.rounds, o.count, 1000, "alternating floor/tollgate rounds per mode", "getppid calls per run");
  tollgate::bench::add_program_options(app, o.paths, false);
  app.add_option("--only", o.only, "run one mode only")->check(CLI::IsMember({"deny", "allow"}));
  app.add_flag(
      "--inflight-record", o.inflight_record,
      "record every call in an in-flight record, as `supervise --keeper` does (issue 14's hot-path cost)");
  CLI11_PARSE(app, argc, argv);
  setvbuf(stdout, nullptr, _IOLBF, 0);  // tables and stderr's progress lines in the order they happen
  return tollgate::bench::run(o);
}
