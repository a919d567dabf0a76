#include "bench/target_report.h"

#include <cstdlib>
#include <map>

namespace tollgate::bench {

std::expected<TargetNumbers, std::string> parse_target_output(const std::string& out) {
  // The last line that carries the numbers: a target started with a go fd writes "ready" first.
  const size_t at = out.rfind("count=");
  std::map<std::string, double> kv;
  size_t pos = at == std::string::npos ? out.size() : at;
  while (pos < out.size()) {
    size_t end = out.find_first_of(" \n", pos);
    if (end == std::string::npos) end = out.size();
    const std::string item = out.substr(pos, end - pos);
    if (auto eq = item.find('='); eq != std::string::npos)
      kv[item.substr(0, eq)] = std::strtod(item.c_str() + eq + 1, nullptr);
    pos = end + 1;
  }
  for (const char* key :
       {"count", "mean_ns", "p50_ns", "p99_ns", "max_ns", "wall_ns_per_call", "timer_ns", "mismatches"})
    if (!kv.contains(key))
      return std::unexpected("bench_target output lacks " + std::string(key) + ": " + out);
  TargetNumbers t;
  t.count = static_cast<long>(kv["count"]);
  t.mean_ns = kv["mean_ns"];
  t.p50_ns = kv["p50_ns"];
  t.p99_ns = kv["p99_ns"];
  t.max_ns = kv["max_ns"];
  t.wall_ns_per_call = kv["wall_ns_per_call"];
  t.timer_ns = kv["timer_ns"];
  t.mismatches = static_cast<long>(kv["mismatches"]);
  return t;
}

std::expected<TargetNumbers, std::string> checked_target_output(const std::string& out, long count) {
  auto t = parse_target_output(out);
  if (!t) return t;
  if (t->count != count)
    return std::unexpected("bench_target made " + std::to_string(t->count) + " calls, not " +
                           std::to_string(count));
  if (t->mismatches != 0)
    return std::unexpected(std::to_string(t->mismatches) + " of " + std::to_string(count) +
                           " calls got a wrong answer");
  return t;
}

}  // namespace tollgate::bench
