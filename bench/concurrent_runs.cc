#include "bench/concurrent_runs.h"

#include <sys/wait.h>
#include <time.h>

#include <cstdlib>
#include <optional>

#include "bench/bench_process.h"

namespace tollgate::bench {
namespace {

double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// One process of a batch, its stdout on a pipe that we read once it has exited (a line or two: it never
// fills the pipe, so it never waits on us).
struct Member {
  ChildProcess process;
  UniqueFd out;
};

std::expected<Member, std::string> start_member(const std::vector<std::string>& argv, SpawnOptions options) {
  auto out = Pipe::make();
  if (!out) return std::unexpected(out.error());
  options.stdout_fd = out->write_end.get();
  auto process = ChildProcess::spawn(argv, options);
  if (!process) return std::unexpected(process.error());
  return Member{std::move(*process), std::move(out->read_end)};
}

// Waits for every member (all within `timeout` together) and returns their outputs; fails on a hang or on a
// non-zero exit. The members left running are stopped by their destructors.
std::expected<std::vector<std::string>, std::string> finish(std::vector<Member>& members,
                                                            std::chrono::seconds timeout, double& end_s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& m : members) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!m.process.wait(std::max(left, std::chrono::milliseconds(0))))
      return std::unexpected("pid " + std::to_string(m.process.pid()) + " still running after " +
                             std::to_string(timeout.count()) + " s: calls lost or a target stuck");
  }
  end_s = now_s();
  std::vector<std::string> outputs;
  for (auto& m : members) {
    std::string out = read_all(m.out.get());
    const int status = *m.process.wait(std::chrono::milliseconds(0));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      return std::unexpected("pid " + std::to_string(m.process.pid()) + ": " + describe_status(status) +
                             ", output: " + out);
    outputs.push_back(std::move(out));
  }
  return outputs;
}

}  // namespace

std::expected<FloorBatchResult, std::string> run_floors(const FloorBatch& batch) {
  std::vector<std::string> argv = {batch.floor, "-n", std::to_string(batch.count)};
  argv.insert(argv.end(), batch.flags.begin(), batch.flags.end());
  std::vector<Member> members;
  // The floor has no start barrier: it starts calling as soon as it runs. Starting one costs a fork and an
  // exec (well under a millisecond), which the wall time includes: a little against the floor.
  const double start_s = now_s();
  for (int i = 0; i < batch.k; ++i) {
    auto m = start_member(argv, {.cpus = batch.cpus});
    if (!m) return std::unexpected(m.error());
    members.push_back(std::move(*m));
  }
  double end_s = 0;
  auto outputs = finish(members, std::chrono::seconds(300), end_s);
  if (!outputs) return std::unexpected("unotify_floor: " + outputs.error());
  FloorBatchResult r{end_s - start_s, {}};
  for (const auto& out : *outputs) {
    char* end = nullptr;
    const double ns = std::strtod(out.c_str(), &end);
    if (end == out.c_str() || ns <= 0) return std::unexpected("unotify_floor: unexpected output: " + out);
    r.ns_per_call.push_back(ns);
  }
  return r;
}

std::expected<SupervisedBatchResult, std::string> run_supervised(const SupervisedBatch& batch) {
  // Every target blocks on the go pipe until we close its write end: one close releases them all.
  auto go = Pipe::make();
  if (!go) return std::unexpected(go.error());
  const std::vector<std::string> argv = {batch.tollgate,
                                         "run",
                                         "-q",
                                         "--supervisor",
                                         batch.socket,
                                         "--policy",
                                         batch.policy,
                                         "--",
                                         batch.target,
                                         std::to_string(batch.count),
                                         batch.expected,
                                         "1",
                                         std::to_string(go->read_end.get())};
  std::vector<Member> members;
  for (int i = 0; i < batch.k; ++i) {
    auto m = start_member(argv, {.cpus = batch.cpus, .inherited_fds = {go->read_end.get()}});
    if (!m) return std::unexpected(m.error());
    members.push_back(std::move(*m));
  }
  go->read_end.reset();
  for (auto& m : members) {
    auto line = read_line(m.out.get(), std::chrono::seconds(60));
    if (!line || *line != "ready") {
      const std::string why = line ? "said \"" + *line + "\"" : "never got ready (it exited, or 60 s passed)";
      return std::unexpected("target of pid " + std::to_string(m.process.pid()) + " " + why);
    }
  }
  const double start_s = now_s();
  go->write_end.reset();
  double end_s = 0;
  auto outputs = finish(members, batch.timeout, end_s);
  if (!outputs) return std::unexpected("tollgate run: " + outputs.error());
  SupervisedBatchResult r{end_s - start_s, {}};
  for (const auto& out : *outputs) {
    auto numbers = checked_target_output(out, batch.count);
    if (!numbers) return std::unexpected(numbers.error());
    r.targets.push_back(*numbers);
  }
  return r;
}

}  // namespace tollgate::bench
