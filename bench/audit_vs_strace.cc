// bench_audit_strace: what `tollgate run --audit` costs per reported call, against `strace -f --seccomp-bpf`
// watching the same loop (issue 13, goal 5). The loop is bench_target's getppid loop; the candidate profile
// denies getppid, so in audit mode every call is notified, judged against the profile, recorded and let
// run (CONTINUE); strace stops for exactly the same calls (its filter traces getppid only) and prints each.
// Native getppid and the floor's CONTINUE round trip (unotify_floor --sync --epoll --continue) are measured
// in the same rounds for reference.
//
// Fails (exit 1) when a call gets a wrong answer (every one must return the real parent pid), or when the
// audit report or strace's output does not account for every call.
#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bench/bench_options.h"
#include "bench/bench_process.h"
#include "bench/bench_stats.h"
#include "bench/concurrent_runs.h"
#include "bench/scratch_dir.h"
#include "bench/target_report.h"

namespace tollgate::bench {
namespace {

constexpr const char* kCandidate =
    R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO"}]})";

struct Options {
  int rounds = 3;
  long count = 20000;
  ProgramPaths paths;
  std::string strace = "/usr/bin/strace";
};

struct Paths {
  std::string profile, report, trace, audit_err;
};

// bench_target's mean ns per call under `argv`; what the wrapper prints on stderr (the audit summary) goes to
// `err`, out of the tables.
std::expected<double, std::string> mean_of(const std::vector<std::string>& argv, long count, int err = -1) {
  auto out = capture_output(argv, std::chrono::seconds(600), err);
  if (!out) return std::unexpected(out.error());
  auto t = checked_target_output(*out, count);
  if (!t) return std::unexpected(argv[0] + ": " + t.error());
  return t->mean_ns;
}

// The audit report must count every call as one the profile would have denied.
std::expected<void, std::string> check_report(const std::string& path, long count) {
  std::ifstream in(path);
  auto doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded()) return std::unexpected("no audit report in " + path);
  for (const auto& f : doc.value("findings", nlohmann::json::array()))
    if (f.value("syscall", "") == "getppid" && f.value("count", 0L) == count) return {};
  return std::unexpected(
      fmt::format("the audit report does not count {} getppid calls: {}", count, doc.dump()));
}

std::expected<void, std::string> check_trace(const std::string& path, long count) {
  std::ifstream in(path);
  std::string line;
  long calls = 0;
  while (std::getline(in, line))
    if (line.find("getppid()") != std::string::npos) ++calls;
  if (calls != count)
    return std::unexpected(fmt::format("strace printed {} getppid calls, not {}", calls, count));
  return {};
}

struct Series {
  std::vector<double> native, floor, audit, strace;
};

std::expected<void, std::string> one_round(const Options& o, const Paths& p, int round, Series& s) {
  const std::string n = std::to_string(o.count);
  // Rotate the order per round, so that no side always follows the same neighbour.
  for (int i = 0; i < 4; ++i) {
    switch ((i + round) % 4) {
      case 0: {
        auto m = mean_of({o.paths.target, n, "real"}, o.count);
        if (!m) return std::unexpected(m.error());
        s.native.push_back(*m);
        break;
      }
      case 1: {
        auto f = run_floors({o.paths.floor, 1, o.count, {"--sync", "--epoll", "--continue"}, {}});
        if (!f) return std::unexpected(f.error());
        s.floor.push_back(f->ns_per_call[0]);
        break;
      }
      case 2: {
        UniqueFd err(open(p.audit_err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        auto m = mean_of({o.paths.tollgate, "run", "-q", "--audit", "--profile", p.profile, "--report",
                          p.report, "--", o.paths.target, n, "real"},
                         o.count, err.get());
        if (!m) return std::unexpected(m.error());
        if (auto c = check_report(p.report, o.count); !c) return std::unexpected(c.error());
        s.audit.push_back(*m);
        break;
      }
      case 3: {
        auto m = mean_of({o.strace, "-f", "--seccomp-bpf", "-e", "trace=getppid", "-o", p.trace,
                          o.paths.target, n, "real"},
                         o.count);
        if (!m) return std::unexpected(m.error());
        if (auto c = check_trace(p.trace, o.count); !c) return std::unexpected(c.error());
        s.strace.push_back(*m);
        break;
      }
    }
  }
  return {};
}

int run(Options o) {
  fill_default_paths(o.paths);
  if (access(o.strace.c_str(), X_OK) != 0) {
    fmt::print(stderr, "bench_audit_strace: {} not found (apt install strace, or --strace PATH)\n", o.strace);
    return 2;
  }
  ScratchDir scratch;
  const Paths p{scratch.file("candidate.json"), scratch.file("report.json"), scratch.file("strace.out"),
                scratch.file("audit.err")};
  std::ofstream(p.profile) << kCandidate << '\n';
  fmt::print(
      "bench_audit_strace: {} rounds x {} getppid calls, each one the candidate profile denies; "
      "load average {:.2f}\n",
      o.rounds, o.count, load_average());
  Series s;
  for (int round = 0; round < o.rounds; ++round) {
    if (auto r = one_round(o, p, round, s); !r) {
      fmt::print(stderr, "bench_audit_strace: round {}: {}\n", round + 1, r.error());
      return 1;
    }
    fmt::print(stderr, "  round {}: native {:.0f} ns, floor {:.0f}, audit {:.0f}, strace {:.0f}\n", round + 1,
               s.native.back(), s.floor.back(), s.audit.back(), s.strace.back());
  }
  const double native = median(s.native), floor = median(s.floor), audit = median(s.audit),
               strace = median(s.strace);
  fmt::print("\n  ns per getppid call (median of the rounds' means, as the calling process sees it)\n");
  fmt::print("  {:<44} {:>9.0f}\n", "native (no filter)", native);
  fmt::print("  {:<44} {:>9.0f}\n", "floor: unotify_floor --sync --epoll --continue", floor);
  fmt::print("  {:<44} {:>9.0f}   {:.2f}x the floor\n", "tollgate run --audit (each call reported)", audit,
             audit / floor);
  fmt::print("  {:<44} {:>9.0f}   {:.2f}x the floor\n", "strace -f --seccomp-bpf -e trace=getppid", strace,
             strace / floor);
  fmt::print("  strace / audit: {:.1f}\n", strace / audit);
  const nlohmann::json doc = {{"count", o.count},
                              {"rounds", o.rounds},
                              {"native_ns", s.native},
                              {"floor_ns", s.floor},
                              {"audit_ns", s.audit},
                              {"strace_ns", s.strace},
                              {"native_median_ns", native},
                              {"floor_median_ns", floor},
                              {"audit_median_ns", audit},
                              {"strace_median_ns", strace},
                              {"audit_over_floor", audit / floor},
                              {"strace_over_audit", strace / audit},
                              {"load_after", load_average()}};
  return write_json_if_asked(o.paths, doc, "bench_audit_strace") ? 0 : 1;
}

}  // namespace
}  // namespace tollgate::bench

int main(int argc, char** argv) {
  tollgate::bench::Options o;
  CLI::App app{"tollgate run --audit per reported call against strace -f --seccomp-bpf on the same loop"};
  tollgate::bench::add_repetition_options(app, o.rounds, o.count, 100, "rounds (each runs every side once)",
                                          "getppid calls per run");
  app.add_option("--strace", o.strace, "the strace binary");
  tollgate::bench::add_program_options(app, o.paths, true);
  CLI11_PARSE(app, argc, argv);
  setvbuf(stdout, nullptr, _IOLBF, 0);  // tables and stderr's progress lines in the order they happen
  return tollgate::bench::run(o);
}
