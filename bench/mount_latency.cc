// Emulated vs native mount latency, in one run: tmpfs and bind mounts done by root directly (native),
// then the same mount(2) calls made by a target under `tollgate run` with an emulating policy, answered
// by the mount handler (emulated). Reports the median and mean per mount(2) call and the ratio. With the
// floor (../shared/bench/unotify_floor.c, one notification round trip with nothing in the way) measured
// in the same run, it also reports the least an emulated mount can cost, native + floor, and the ratio
// to that: what the emulation itself adds.
//
//   build/bench/bench_mount_latency [--count N] [--rootless] [--json FILE]
//
// Needs root. Runs in a private mount namespace of its own; leaves nothing mounted.
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

namespace {

double now_us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

struct Stats {
  double median = 0, mean = 0;
};

Stats stats(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size())};
}

// Mounts and unmounts `count` times, timing mount(2) only. Prints "median mean" in µs, or fails.
int time_mounts(const std::string& kind, const std::string& source, const std::string& target, int count) {
  std::vector<double> samples;
  samples.reserve(static_cast<size_t>(count));
  const bool bind = kind == "bind";
  for (int i = 0; i < count; ++i) {
    const double t0 = now_us();
    int rc = bind ? mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr)
                  : mount("none", target.c_str(), "tmpfs", 0, nullptr);
    const double t1 = now_us();
    if (rc != 0) {
      std::perror("mount");
      return 1;
    }
    samples.push_back(t1 - t0);
    if (umount2(target.c_str(), 0) != 0) {
      std::perror("umount2");
      return 1;
    }
  }
  Stats s = stats(samples);
  std::printf("%.2f %.2f\n", s.median, s.mean);
  return 0;
}

Stats run_emulated(const std::string& self, const std::string& policy, const std::string& kind,
                   const std::string& source, const std::string& target, int count, bool rootless) {
  std::string cmd = std::string(TOLLGATE_BIN) + " run -q" + (rootless ? " --rootless" : "") + " --policy " +
                    policy + " -- " + self + " --loop " + kind + " " + source + " " + target + " " +
                    std::to_string(count);
  FILE* p = popen(cmd.c_str(), "r");
  Stats s;
  if (p == nullptr || std::fscanf(p, "%lf %lf", &s.median, &s.mean) != 2) s = {};
  if (p != nullptr) pclose(p);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  // The timing loop: run natively by a child of ours, and as the target under tollgate. Never recurse.
  if (argc >= 2 && std::string(argv[1]) == "--loop") {
    if (argc != 6) return 2;
    return time_mounts(argv[2], argv[3], argv[4], std::atoi(argv[5]));
  }
  int count = 2000;
  bool rootless = false;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--count" && i + 1 < argc) count = std::atoi(argv[++i]);
    if (a == "--rootless") rootless = true;
    if (a == "--json" && i + 1 < argc) json_path = argv[++i];
  }
  nlohmann::json doc = {{"count", count}, {"rootless", rootless}};
  if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    std::perror("bench_mount_latency needs root (private mount namespace)");
    return 1;
  }
  char templ[] = "/tmp/tollgate-bench-XXXXXX";
  if (mkdtemp(templ) == nullptr) return 1;
  const std::string dir = templ, src = dir + "/src", tgt = dir + "/tgt", policy = dir + "/policy.json";
  std::filesystem::create_directory(src);
  std::filesystem::create_directory(tgt);
  std::ofstream(policy) << R"({"comment": "bench", "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mount", "umount2"], "action": "SCMP_ACT_NOTIFY"}],
    "rules": [{"syscalls": ["mount"], "action": "emulate", "handler": "mount", "options": {"fstypes": {"tmpfs": []},
                "targets": [")"
                        << tgt << R"("], "bind_sources": [")" << src << R"("], "flags": ["bind"]}},
              {"syscalls": ["umount2"], "action": "emulate", "handler": "umount"}]})";
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 1;
  self[n] = '\0';

  std::printf("mount(2) latency, %d calls each, µs (median / mean)%s\n", count,
              rootless ? ", target rootless" : "");
  double floor_us = 0;
#ifdef TOLLGATE_FLOOR_BIN
  if (FILE* f = popen(TOLLGATE_FLOOR_BIN " --sync --epoll -n 100000", "r")) {
    double ns = 0;
    if (std::fscanf(f, "%lf", &ns) == 1) floor_us = ns / 1000.0;
    pclose(f);
  }
  std::printf("floor  one notification round trip (unotify_floor --sync --epoll): %.2f µs\n", floor_us);
#endif
  doc["floor_us"] = floor_us;
  int status = 0;
  for (const std::string kind : {"tmpfs", "bind"}) {
    std::fflush(stdout);
    // Native: this process, as root, the same loop in-process.
    FILE* p = popen(
        (std::string(self) + " --loop " + kind + " " + src + " " + tgt + " " + std::to_string(count)).c_str(),
        "r");
    Stats native{};
    if (p == nullptr || std::fscanf(p, "%lf %lf", &native.median, &native.mean) != 2) status = 1;
    if (p != nullptr) pclose(p);
    Stats emulated = run_emulated(self, policy, kind, src, tgt, count, rootless);
    if (emulated.median == 0) status = 1;
    std::printf("%-6s native %8.1f / %8.1f   emulated %8.1f / %8.1f   ratio %.2fx (median)", kind.c_str(),
                native.median, native.mean, emulated.median, emulated.mean,
                native.median > 0 ? emulated.median / native.median : 0.0);
    if (floor_us > 0)
      std::printf("   vs native+floor %.1f: %.2fx", native.median + floor_us,
                  emulated.median / (native.median + floor_us));
    std::printf("\n");
    nlohmann::json row = {{"native_median_us", native.median},
                          {"native_mean_us", native.mean},
                          {"emulated_median_us", emulated.median},
                          {"emulated_mean_us", emulated.mean},
                          {"ratio_to_native", native.median > 0 ? emulated.median / native.median : 0.0}};
    if (floor_us > 0) row["ratio_to_native_plus_floor"] = emulated.median / (native.median + floor_us);
    doc[kind] = row;
  }
  std::filesystem::remove_all(dir);
  if (!json_path.empty()) {
    std::ofstream out(json_path);
    out << doc.dump(2) << '\n';
    if (!out) status = 1;
  }
  return status;
}
