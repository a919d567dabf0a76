// bench_listeners: one `tollgate supervise` holding N idle listeners, each a real target
// (bench_idle_targets), N = 0, 1000, 10000 by default. For each N: the daemon's memory (Pss and RSS) over N =
// 0, per listener, and the round trip of one busy target handed to the same daemon (p50, p99), against N = 0.
// Issue 13, goal 3:
// <= 4 KB of daemon memory per listener; the busy target's p99 within 1.2x of the same with none.
//
// Says so, and stops going higher, when N cannot be reached on this machine (pid_max, threads-max, the
// daemon's RLIMIT_NOFILE). Fails (exit 1) on a wrong answer, a lost call, a dead daemon, a refusal below the
// limits, or listeners (fds) the daemon still holds after every idle target is gone.
#include <fmt/core.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench/bench_daemon.h"
#include "bench/bench_options.h"
#include "bench/bench_process.h"
#include "bench/bench_stats.h"
#include "bench/concurrent_runs.h"
#include "bench/getppid_policy.h"

namespace tollgate::bench {
namespace {

constexpr double kMemoryGoalKb = 4, kP99Goal = 1.2;

struct Options {
  std::vector<long> ns = {0, 1000, 10000};
  long count = 100000;
  int rounds = 3;
  std::optional<long> daemon_nofile;
  ProgramPaths paths;
  std::string idle, policy = TOLLGATE_DEFAULT_POLICY;
};

long read_long(const std::string& path) {
  std::ifstream in(path);
  long v = -1;
  in >> v;
  return v;
}

long processes_now() {
  long n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc"))
    if (std::isdigit(static_cast<unsigned char>(e.path().filename().string()[0]))) ++n;
  return n;
}

// What stands in the way of `more` idle targets (and as many listeners): processes the kernel will not
// create (never tried: it would starve the machine), or fds the daemon may not open (tried anyway, to see how
// the daemon refuses the listeners beyond its limit).
struct Limit {
  std::string processes, fds;  // "" when that limit is not in the way
};

Limit limits_in_the_way(long more, long idle_now, BenchDaemon& daemon) {
  Limit l;
  const long pid_max = read_long("/proc/sys/kernel/pid_max"),
             threads_max = read_long("/proc/sys/kernel/threads-max");
  const long procs = processes_now() + more + 100;  // + room for the busy target, tollgate run, ctl
  if (procs > pid_max)
    l.processes = fmt::format("{} processes would exceed kernel.pid_max = {}", procs, pid_max);
  else if (procs > threads_max)
    l.processes = fmt::format("{} processes would exceed kernel.threads-max = {}", procs, threads_max);
  const long fds = daemon.open_fds() + more + 20, nofile = daemon.nofile_limit();
  if (nofile > 0 && fds > nofile)
    l.fds = fmt::format("the daemon would need about {} fds for {} listeners, its RLIMIT_NOFILE is {}", fds,
                        idle_now + more, nofile);
  return l;
}

struct Row {
  long n = 0;
  bool reached = true;
  std::string not_reached;
  long fds = 0;
  DaemonMemory memory;
  std::vector<double> p50, p99, mean;
};

// The busy target's rounds, with whatever idle listeners the daemon holds now.
std::expected<void, std::string> measure_round_trips(const Options& o, BenchDaemon& daemon,
                                                     const std::string& policy, Row& row) {
  for (int r = 0; r < o.rounds; ++r) {
    auto t = run_supervised({o.paths.tollgate, daemon.socket(), policy, o.paths.target, 1, o.count, "1", {}});
    if (!t) return std::unexpected(t.error());
    if (!daemon.alive()) return std::unexpected("tollgate supervise died");
    row.p50.push_back(t->targets[0].p50_ns);
    row.p99.push_back(t->targets[0].p99_ns);
    row.mean.push_back(t->targets[0].mean_ns);
  }
  return {};
}

// Waits until the daemon counts `listeners` listeners.
bool listeners_become(BenchDaemon& daemon, uint64_t listeners) {
  for (int i = 0; i < 600; ++i) {
    auto s = daemon.stats();
    if (s && s->listeners == listeners) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

int run(Options o) {
  fill_default_paths(o.paths);
  if (o.idle.empty()) o.idle = self_dir() + "/bench_idle_targets";
  std::sort(o.ns.begin(), o.ns.end());
  ScratchDir scratch;
  const std::string busy_policy = scratch.file("getppid-deny.json");
  if (!scratch.valid() || !write_getppid_policy(busy_policy, "deny")) {
    fmt::print(stderr, "bench_listeners: cannot write {}\n", busy_policy);
    return 1;
  }
  SpawnOptions daemon_options;
  daemon_options.nofile = o.daemon_nofile;
  auto daemon = BenchDaemon::start(o.paths.tollgate, scratch, daemon_options, std::nullopt);
  if (!daemon) {
    fmt::print(stderr, "bench_listeners: {}\n", daemon.error());
    return 1;
  }
  fmt::print(
      "bench_listeners: N idle targets (each a process and a listener in one tollgate supervise, envelope "
      "policy {}),\n  busy target {} rounds x {} getppid calls; load average {:.2f}\n"
      "  limits: pid_max {}, threads-max {}, daemon RLIMIT_NOFILE {}\n",
      o.policy, o.rounds, o.count, load_average(), read_long("/proc/sys/kernel/pid_max"),
      read_long("/proc/sys/kernel/threads-max"), daemon->nofile_limit());
  nlohmann::json doc = {{"count", o.count},
                        {"rounds", o.rounds},
                        {"envelope_policy", o.policy},
                        {"pid_max", read_long("/proc/sys/kernel/pid_max")},
                        {"threads_max", read_long("/proc/sys/kernel/threads-max")},
                        {"daemon_nofile", daemon->nofile_limit()},
                        {"load_before", load_average()}};

  // One busy run first, so that the baseline includes whatever the daemon allocates once for a target.
  if (auto warm = run_supervised(
          {o.paths.tollgate, daemon->socket(), busy_policy, o.paths.target, 1, 10000, "1", {}});
      !warm) {
    fmt::print(stderr, "bench_listeners: warm-up: {}\n", warm.error());
    return 1;
  }
  auto base_stats = daemon->stats();
  auto base_memory = daemon->memory();
  if (!base_stats || !base_memory || !listeners_become(*daemon, 0)) {
    fmt::print(stderr, "bench_listeners: the daemon's baseline: {}\n",
               !base_stats    ? base_stats.error()
               : !base_memory ? base_memory.error()
                              : "listeners left over");
    return 1;
  }
  const long base_fds = daemon->open_fds();

  std::vector<ChildProcess> spawners;  // each holds its idle targets until stopped
  std::vector<Row> rows;
  long idle = 0;
  int status = 0;
  for (long n : o.ns) {
    Row row{.n = n};
    if (n > idle) {
      const long more = n - idle;
      const Limit limit = limits_in_the_way(more, idle, *daemon);
      if (!limit.processes.empty()) {
        fmt::print("  N = {} cannot be reached here: {}\n", n, limit.processes);
        row.reached = false;
        row.not_reached = limit.processes;
        rows.push_back(row);
        break;
      }
      if (!limit.fds.empty())
        fmt::print("  N = {} cannot be reached here: {}; handing them over anyway, to see how it refuses\n",
                   n, limit.fds);
      fmt::print(stderr, "  starting {} idle targets\n", more);
      auto out = Pipe::make();
      if (!out) return 1;
      auto spawner = ChildProcess::spawn({o.idle, daemon->socket(), std::to_string(more), o.policy},
                                         {.stdout_fd = out->write_end.get()});
      out->write_end.reset();
      if (!spawner) {
        fmt::print(stderr, "bench_listeners: {}\n", spawner.error());
        return 1;
      }
      spawners.push_back(std::move(*spawner));
      auto line = read_line(out->read_end.get(), std::chrono::minutes(10));
      long handed = 0, refused = 0;
      char error[256] = "";
      if (!line || std::sscanf(line->c_str(), "handed=%ld refused=%ld first_error=%255[^\n]", &handed,
                               &refused, error) < 2) {
        fmt::print(stderr, "bench_listeners: bench_idle_targets said: {}\n", line.value_or("nothing"));
        return 1;
      }
      idle += handed;
      if (refused != 0) {
        fmt::print("  N = {}: the daemon refused a listener after {}: {}\n", n, idle, error);
        row.reached = false;
        row.not_reached =
            fmt::format("{}refused after {}: {}", limit.fds.empty() ? "" : limit.fds + "; ", idle, error);
        if (limit.fds.empty()) status = 1;  // below every limit we know of: it should have taken them
      }
      if (!listeners_become(*daemon, static_cast<uint64_t>(idle))) {
        fmt::print(stderr, "bench_listeners: the daemon does not count {} listeners\n", idle);
        return 1;
      }
    }
    row.n = idle;
    row.fds = daemon->open_fds();
    auto memory = daemon->memory();
    if (!memory) return 1;
    row.memory = *memory;
    if (auto r = measure_round_trips(o, *daemon, busy_policy, row); !r) {
      fmt::print(stderr, "bench_listeners: N = {}: {}\n", idle, r.error());
      return 1;
    }
    fmt::print(stderr, "  N = {}: Pss {} kB, p99 {:.0f} ns\n", idle, row.memory.pss_kb, median(row.p99));
    rows.push_back(row);
    if (!row.reached) break;
  }

  // Tear down: the spawners kill their targets; the daemon must let go of every listener.
  for (auto it = spawners.rbegin(); it != spawners.rend(); ++it) it->stop(SIGTERM, std::chrono::seconds(120));
  const bool released = listeners_become(*daemon, 0);
  long fds_after = daemon->open_fds();
  for (int i = 0; i < 100 && fds_after != base_fds; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    fds_after = daemon->open_fds();
  }
  auto memory_after = daemon->memory();

  const Row* zero = rows.empty() ? nullptr : &rows.front();
  fmt::print("\n  {:>7} {:>6} {:>9} {:>9} {:>12} {:>12} {:>8} {:>8} {:>10}\n", "N idle", "fds", "Pss MiB",
             "RSS MiB", "Pss/listener", "RSS/listener", "p50 ns", "p99 ns", "p99 ratio");
  nlohmann::json jrows = nlohmann::json::array();
  for (const Row& r : rows) {
    nlohmann::json j = {{"n", r.n}, {"reached", r.reached}};
    if (!r.not_reached.empty()) j["not_reached"] = r.not_reached;
    if (r.p99.empty()) {
      jrows.push_back(j);
      continue;
    }
    const double pss_per =
        r.n > 0 ? static_cast<double>(r.memory.pss_kb - base_memory->pss_kb) / static_cast<double>(r.n) : 0;
    const double rss_per =
        r.n > 0 ? static_cast<double>(r.memory.rss_kb - base_memory->rss_kb) / static_cast<double>(r.n) : 0;
    const double p99_ratio = median(r.p99) / median(zero->p99);
    fmt::print("  {:>7} {:>6} {:>9.1f} {:>9.1f} {:>9.2f} KB {:>9.2f} KB {:>8.0f} {:>8.0f} {:>10.2f}\n", r.n,
               r.fds, r.memory.pss_kb / 1024.0, r.memory.rss_kb / 1024.0, pss_per, rss_per, median(r.p50),
               median(r.p99), p99_ratio);
    j.update({{"daemon_fds", r.fds},
              {"pss_kb", r.memory.pss_kb},
              {"rss_kb", r.memory.rss_kb},
              {"pss_kb_per_listener", pss_per},
              {"rss_kb_per_listener", rss_per},
              {"p50_ns", r.p50},
              {"p99_ns", r.p99},
              {"mean_ns", r.mean},
              {"p50_median_ns", median(r.p50)},
              {"p99_median_ns", median(r.p99)},
              {"p99_ratio_to_none", p99_ratio}});
    jrows.push_back(j);
  }
  fmt::print("  goals: <= {} KB per listener, p99 ratio <= {}\n", kMemoryGoalKb, kP99Goal);
  fmt::print(
      "  after tear-down: {} listeners released, daemon fds {} (baseline {}), Pss {} kB (baseline {} kB)\n",
      released ? "all" : "NOT all", fds_after, base_fds, memory_after ? memory_after->pss_kb : -1,
      base_memory->pss_kb);
  doc["rows"] = jrows;
  doc["baseline"] = {{"pss_kb", base_memory->pss_kb}, {"rss_kb", base_memory->rss_kb}, {"fds", base_fds}};
  doc["after_teardown"] = {
      {"released", released}, {"fds", fds_after}, {"pss_kb", memory_after ? memory_after->pss_kb : -1}};
  if (!released || fds_after != base_fds) status = 1;

  const int daemon_status = daemon->stop();
  if (!WIFEXITED(daemon_status) || WEXITSTATUS(daemon_status) != 0) {
    fmt::print(stderr, "bench_listeners: tollgate supervise ended with {}\n", describe_status(daemon_status));
    status = 1;
  }
  doc["load_after"] = load_average();
  if (!write_json_if_asked(o.paths, doc, "bench_listeners")) status = 1;
  return status;
}

}  // namespace
}  // namespace tollgate::bench

int main(int argc, char** argv) {
  tollgate::bench::Options o;
  CLI::App app{"Daemon memory per listener and a busy target's round trip with N idle listeners open"};
  app.add_option("--n", o.ns, "idle listener counts to measure at (default 0 1000 10000)")
      ->check(CLI::Range(0L, 1000000L));
  tollgate::bench::add_repetition_options(app, o.rounds, o.count, 100, "busy-target rounds per N",
                                          "getppid calls per busy-target round");
  app.add_option("--daemon-nofile", o.daemon_nofile,
                 "start the daemon with this RLIMIT_NOFILE (soft and hard: it raises the soft one itself)");
  app.add_option("--policy", o.policy, "the policy each idle target's envelope carries");
  app.add_option("--idle", o.idle, "the bench_idle_targets binary (default: next to this program)");
  tollgate::bench::add_program_options(app, o.paths, true);
  CLI11_PARSE(app, argc, argv);
  setvbuf(stdout, nullptr, _IOLBF, 0);  // tables and stderr's progress lines in the order they happen
  if (std::find(o.ns.begin(), o.ns.end(), 0L) == o.ns.end()) o.ns.push_back(0);  // the reference
  return tollgate::bench::run(o);
}
