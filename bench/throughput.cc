// bench_throughput: aggregate notified calls per second of K busy targets handed to ONE `tollgate supervise`,
// against K unotify_floor processes (each its own supervisor, the cheapest possible) run the same way, on 1
// and on 2 CPUs (everything pinned with sched_setaffinity, as taskset does). Issue 13, goal 1: with K = 4 and
// 16, 2 CPUs give >= 1.8x the calls/s of 1 CPU, and tollgate >= 0.9x the floors on the same CPUs.
//
// Fails (exit 1) when a target gets a wrong answer or a call goes unanswered, when the daemon dies, or when
// its counters disagree with the calls made.
#include <fmt/core.h>
#include <sched.h>
#include <sys/wait.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "bench/bench_daemon.h"
#include "bench/bench_options.h"
#include "bench/bench_process.h"
#include "bench/bench_stats.h"
#include "bench/concurrent_runs.h"
#include "bench/getppid_policy.h"

namespace tollgate::bench {
namespace {

constexpr double kRatioGoal = 0.9, kScalingGoal = 1.8;

struct Options {
  int rounds = 3;
  long count = 40000;
  std::vector<int> ks = {4, 16};
  std::vector<int> cpu_counts = {1, 2};
  ProgramPaths paths;
};

// The first `n` CPUs this process may run on.
std::expected<std::vector<int>, std::string> first_cpus(int n) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return std::unexpected("sched_getaffinity failed");
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE && static_cast<int>(cpus.size()) < n; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  if (static_cast<int>(cpus.size()) < n)
    return std::unexpected(fmt::format("{} CPUs asked for, this process may run on {}", n, CPU_COUNT(&set)));
  return cpus;
}

struct Cell {  // one (CPUs, K) configuration, every round
  std::vector<double> floor_rate, tollgate_rate;
  // Calls answered per time a daemon thread blocked (voluntary context switches): how many calls one
  // wake-up of a loop served. A floor serves one per wake-up by construction.
  std::vector<double> calls_per_wakeup;
};

// Runs every K on one set of CPUs, with one daemon pinned there. Adds the rounds to `cells[K]`.
std::expected<void, std::string> run_on(const Options& o, const std::vector<int>& cpus,
                                        std::map<int, Cell>& cells, nlohmann::json& daemon_info) {
  ScratchDir dir;
  if (!dir.valid()) return std::unexpected("mkdtemp failed");
  const std::string policy = dir.file("getppid-deny.json");
  if (!write_getppid_policy(policy, "deny")) return std::unexpected("cannot write " + policy);
  auto daemon = BenchDaemon::start(o.paths.tollgate, dir, {.cpus = cpus}, static_cast<int>(cpus.size()));
  if (!daemon) return std::unexpected(daemon.error());
  daemon_info = {{"pid", daemon->pid()}, {"loops_option", daemon->has_loops_option()}};
  auto before = daemon->stats();
  if (!before) return std::unexpected(before.error());
  uint64_t calls = 0;
  for (int k : o.ks) {
    for (int round = 0; round < o.rounds; ++round) {
      // Alternate which side goes first, so that neither always meets a warmer (or busier) machine.
      for (int step = 0; step < 2; ++step) {
        if ((step == 0) == (round % 2 == 0)) {
          auto f = run_floors({o.paths.floor, k, o.count, {"--sync", "--epoll"}, cpus});
          if (!f) return std::unexpected(f.error());
          cells[k].floor_rate.push_back(static_cast<double>(k) * static_cast<double>(o.count) / f->wall_s);
        } else {
          auto switches_before = voluntary_switches(daemon->pid());
          if (!switches_before) return std::unexpected(switches_before.error());
          auto t = run_supervised(
              {o.paths.tollgate, daemon->socket(), policy, o.paths.target, k, o.count, "1", cpus});
          if (!t) return std::unexpected(t.error());
          if (!daemon->alive()) return std::unexpected("tollgate supervise died");
          auto switches_after = voluntary_switches(daemon->pid());
          if (!switches_after) return std::unexpected(switches_after.error());
          const double round_calls = static_cast<double>(k) * static_cast<double>(o.count);
          cells[k].tollgate_rate.push_back(round_calls / t->wall_s);
          cells[k].calls_per_wakeup.push_back(
              round_calls / static_cast<double>(std::max<uint64_t>(1, *switches_after - *switches_before)));
          calls += static_cast<uint64_t>(k) * static_cast<uint64_t>(o.count);
        }
      }
      fmt::print(stderr,
                 "  {} CPU(s), K={:2}, round {}: floor {:9.0f} calls/s, tollgate {:9.0f} calls/s "
                 "({:.2f} calls per wake-up)\n",
                 cpus.size(), k, round + 1, cells[k].floor_rate.back(), cells[k].tollgate_rate.back(),
                 cells[k].calls_per_wakeup.back());
    }
  }
  // The daemon's own count must agree: every call notified once, none unanswered or in error.
  auto after = daemon->stats();
  if (!after) return std::unexpected(after.error());
  if (after->notifications - before->notifications != calls || after->unanswered != before->unanswered ||
      after->errors != before->errors)
    return std::unexpected(
        fmt::format("the daemon counted {} notifications ({} unanswered, {} errors) for {} calls",
                    after->notifications - before->notifications, after->unanswered - before->unanswered,
                    after->errors - before->errors, calls));
  const int status = daemon->stop();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return std::unexpected("tollgate supervise ended with " + describe_status(status));
  return {};
}

int run(Options o) {
  fill_default_paths(o.paths);
  fmt::print(
      "bench_throughput: K targets x {} getppid calls, one tollgate supervise vs K unotify_floor "
      "--sync --epoll; {} rounds; load average {:.2f}\n",
      o.count, o.rounds, load_average());
  nlohmann::json doc = {{"count", o.count}, {"rounds", o.rounds}, {"load_before", load_average()}};
  std::map<int, std::map<int, Cell>> by_cpus;  // CPUs -> K -> rounds
  for (int n : o.cpu_counts) {
    auto cpus = first_cpus(n);
    if (!cpus) {
      fmt::print(stderr, "bench_throughput: {}\n", cpus.error());
      return 2;
    }
    nlohmann::json daemon_info;
    if (auto r = run_on(o, *cpus, by_cpus[n], daemon_info); !r) {
      fmt::print(stderr, "bench_throughput: {} CPU(s): {}\n", n, r.error());
      return 1;
    }
    doc["daemon"][std::to_string(n)] = daemon_info;
    if (!daemon_info["loops_option"].get<bool>())
      fmt::print("  (this tollgate supervise has no --loops: one loop whatever the CPUs)\n");
  }

  fmt::print("\n  {:>4} {:>3} {:>16} {:>18} {:>15} {:>14}\n", "CPUs", "K", "floor calls/s",
             "tollgate calls/s", "tollgate/floor", "calls/wake-up");
  nlohmann::json rows = nlohmann::json::array();
  std::map<int, std::map<int, double>> tollgate_med, floor_med;  // K -> CPUs -> median
  for (auto& [n, cells] : by_cpus) {
    for (auto& [k, cell] : cells) {
      const double f = median(cell.floor_rate), t = median(cell.tollgate_rate),
                   per_wakeup = median(cell.calls_per_wakeup);
      tollgate_med[k][n] = t;
      floor_med[k][n] = f;
      fmt::print("  {:>4} {:>3} {:>16.0f} {:>18.0f} {:>15.2f} {:>14.2f}{}\n", n, k, f, t, t / f, per_wakeup,
                 t / f >= kRatioGoal ? "" : "  (goal >= 0.9)");
      rows.push_back({{"cpus", n},
                      {"k", k},
                      {"floor_calls_per_s", cell.floor_rate},
                      {"tollgate_calls_per_s", cell.tollgate_rate},
                      {"floor_median", f},
                      {"tollgate_median", t},
                      {"tollgate_calls_per_wakeup", cell.calls_per_wakeup},
                      {"tollgate_calls_per_wakeup_median", per_wakeup},
                      {"ratio", t / f}});
    }
  }
  doc["runs"] = rows;
  nlohmann::json scaling = nlohmann::json::array();
  const int lo = o.cpu_counts.front(), hi = o.cpu_counts.back();
  if (lo != hi) {
    fmt::print("\n  {} CPUs / {} CPU: calls/s with more CPUs over fewer (goal for tollgate >= {})\n", hi, lo,
               kScalingGoal);
    for (int k : o.ks) {
      const double ts = tollgate_med[k][hi] / tollgate_med[k][lo], fs = floor_med[k][hi] / floor_med[k][lo];
      fmt::print("  K={:2}: tollgate {:.2f}, floor {:.2f}\n", k, ts, fs);
      scaling.push_back({{"k", k}, {"cpus_low", lo}, {"cpus_high", hi}, {"tollgate", ts}, {"floor", fs}});
    }
  }
  doc["scaling"] = scaling;
  doc["load_after"] = load_average();
  return write_json_if_asked(o.paths, doc, "bench_throughput") ? 0 : 1;
}

}  // namespace
}  // namespace tollgate::bench

int main(int argc, char** argv) {
  tollgate::bench::Options o;
  CLI::App app{"Aggregate calls/s of K targets on one tollgate supervise, against K floors, on 1 and 2 CPUs"};
  tollgate::bench::add_repetition_options(app, o.rounds, o.count, 100,
                                          "alternating floor/tollgate rounds per configuration",
                                          "getppid calls per target");
  app.add_option("--k", o.ks, "targets at once (repeatable list)")->check(CLI::Range(1, 1000));
  app.add_option("--cpus", o.cpu_counts, "CPU counts to pin to, fewest first (default 1 2)")
      ->check(CLI::Range(1, 1024));
  tollgate::bench::add_program_options(app, o.paths, true);
  CLI11_PARSE(app, argc, argv);
  setvbuf(stdout, nullptr, _IOLBF, 0);  // tables and stderr's progress lines in the order they happen
  std::sort(o.cpu_counts.begin(), o.cpu_counts.end());
  return tollgate::bench::run(o);
}
