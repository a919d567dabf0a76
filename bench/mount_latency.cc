// Emulated vs native mount latency, in one run: tmpfs and bind mounts done by root directly (native),
// then the same mount(2) calls made by a target under `tollgate run` with an emulating policy, answered
// by the mount handler (emulated). Reports the median and mean per mount(2) call and the ratio. With the
// floor (../shared/bench/unotify_floor.c, one notification round trip with nothing in the way) measured
// in the same run, it also reports the least an emulated mount can cost, native + floor, and the ratio
// to that: what the emulation itself adds.
//
// The third kind is an ext4 image (issue 13, goal 4: an idmapped image mount within 2x of a native root
// mount of the same image). Natively root attaches a loop device (LOOP_CTL_GET_FREE, LOOP_CONFIGURE with
// autoclear) and mounts it; emulated, a rootless caller (`tollgate run --rootless`, always, since that is
// the case the emulation exists for) calls mount(2) on the image file, and the handler attaches the loop
// device, mounts it and idmaps the mount to the caller's user namespace. Both are timed from the first
// syscall to the mounted file system, and both force nosuid, nodev and noexec.
//
//   build/bench/bench_mount_latency [--count N] [--ext4-count N] [--rootless] [--json FILE]
//
// Needs root. Runs in a private mount namespace of its own; leaves nothing mounted.
#include <fcntl.h>
#include <linux/loop.h>
#include <sched.h>
#include <sys/ioctl.h>
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

#include "tollgate/unique_fd.h"

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

// What root does natively to mount an image file: a free loop device bound to it (cleared when the mount
// goes), then mount(2) of the device. Returns mount(2)'s result, or -1 with errno when the loop device
// could not be set up.
int mount_image_natively(const std::string& image, const std::string& target) {
  tollgate::UniqueFd control(open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (!control) return -1;
  const int number = ioctl(control.get(), LOOP_CTL_GET_FREE);
  if (number < 0) return -1;
  const std::string device = "/dev/loop" + std::to_string(number);
  tollgate::UniqueFd backing(open(image.c_str(), O_RDWR | O_CLOEXEC));
  tollgate::UniqueFd loop(open(device.c_str(), O_RDWR | O_CLOEXEC));
  if (!backing || !loop) return -1;
  loop_config config{};
  config.fd = static_cast<uint32_t>(backing.get());
  config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
  if (ioctl(loop.get(), LOOP_CONFIGURE, &config) != 0) return -1;
  // The mount holds the device once made; autoclear detaches it at the unmount.
  return mount(device.c_str(), target.c_str(), "ext4", MS_NOSUID | MS_NODEV | MS_NOEXEC, "");
}

// Mounts and unmounts `count` times, timing the mount only. Prints "median mean" in µs, or fails.
// `kind`: tmpfs, bind, ext4 (mount(2) of the image file, what an emulated caller does) or ext4-native
// (the loop device and the mount, what root does).
int time_mounts(const std::string& kind, const std::string& source, const std::string& target, int count) {
  std::vector<double> samples;
  samples.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    const double t0 = now_us();
    int rc = kind == "bind"          ? mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr)
             : kind == "ext4"        ? mount(source.c_str(), target.c_str(), "ext4", 0, nullptr)
             : kind == "ext4-native" ? mount_image_natively(source, target)
                                     : mount("none", target.c_str(), "tmpfs", 0, nullptr);
    const double t1 = now_us();
    if (rc != 0) {
      std::perror(("mount " + kind).c_str());
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

// Runs `command` (through the shell) and reads the "median mean" line the timing loop prints; zeros if none.
Stats stats_from(const std::string& command) {
  FILE* p = popen(command.c_str(), "r");
  Stats s;
  if (p == nullptr || std::fscanf(p, "%lf %lf", &s.median, &s.mean) != 2) s = {};
  if (p != nullptr) pclose(p);
  return s;
}

std::string loop_command(const std::string& self, const std::string& kind, const std::string& source,
                         const std::string& target, int count) {
  return self + " --loop " + kind + " " + source + " " + target + " " + std::to_string(count);
}

Stats run_emulated(const std::string& self, const std::string& policy, const std::string& kind,
                   const std::string& source, const std::string& target, int count, bool rootless) {
  return stats_from(std::string(TOLLGATE_BIN) + " run -q" + (rootless ? " --rootless" : "") + " --policy " +
                    policy + " -- " + loop_command(self, kind, source, target, count));
}

Stats run_native(const std::string& self, const std::string& kind, const std::string& source,
                 const std::string& target, int count) {
  return stats_from(loop_command(self, kind, source, target, count));
}

// An empty 32 MiB ext4 image, made with mkfs.ext4 (e2fsprogs).
bool make_ext4_image(const std::string& path) {
  return std::system(("/usr/bin/truncate -s 32M " + path + " && /usr/sbin/mkfs.ext4 -q " + path).c_str()) ==
         0;
}

// Loop devices still bound to `image` (losetup -j prints one line each).
std::string loops_bound_to(const std::string& image) {
  std::string out;
  if (FILE* p = popen(("/usr/sbin/losetup -j " + image).c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
    pclose(p);
  }
  return out;
}

// The ext4 row: native root mount of the image against the emulated, idmapped mount by a rootless caller.
// Fails (false) on a failed mount or a loop device left bound to the image.
bool measure_ext4(const std::string& self, const std::string& dir, const std::string& target, int count,
                  nlohmann::json& doc) {
  const std::string image = dir + "/image.ext4", policy = dir + "/policy-ext4.json";
  if (!make_ext4_image(image)) {
    std::fprintf(stderr, "bench_mount_latency: cannot make %s (mkfs.ext4)\n", image.c_str());
    return false;
  }
  std::ofstream(policy) << R"({"comment": "bench, ext4", "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mount", "umount2"], "action": "SCMP_ACT_NOTIFY"}],
    "rules": [{"syscalls": ["mount"], "action": "emulate", "handler": "mount",
               "options": {"fstypes": {"ext4": []}, "sources": [")"
                        << image << R"("], "targets": [")" << target << R"("], "idmap": true}},
              {"syscalls": ["umount2"], "action": "emulate", "handler": "umount"}]})";
  std::fflush(stdout);
  const Stats native = run_native(self, "ext4-native", image, target, count);
  const Stats emulated = run_emulated(self, policy, "ext4", image, target, count, true);
  const std::string left = loops_bound_to(image);
  std::printf(
      "ext4   native %8.1f / %8.1f   emulated %8.1f / %8.1f   ratio %.2fx (median; idmapped, rootless "
      "caller; %d calls)\n",
      native.median, native.mean, emulated.median, emulated.mean,
      native.median > 0 ? emulated.median / native.median : 0.0, count);
  doc["ext4"] = {{"count", count},
                 {"native_median_us", native.median},
                 {"native_mean_us", native.mean},
                 {"emulated_median_us", emulated.median},
                 {"emulated_mean_us", emulated.mean},
                 {"ratio_to_native", native.median > 0 ? emulated.median / native.median : 0.0}};
  if (!left.empty())
    std::fprintf(stderr, "bench_mount_latency: loop devices left on the image:\n%s", left.c_str());
  return native.median > 0 && emulated.median > 0 && left.empty();
}

}  // namespace

int main(int argc, char** argv) {
  // The timing loop: run natively by a child of ours, and as the target under tollgate. Never recurse.
  if (argc >= 2 && std::string(argv[1]) == "--loop") {
    if (argc != 6) return 2;
    return time_mounts(argv[2], argv[3], argv[4], std::atoi(argv[5]));
  }
  int count = 2000, ext4_count = 200;  // an ext4 mount takes milliseconds
  bool rootless = false;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--count" && i + 1 < argc) count = std::atoi(argv[++i]);
    if (a == "--ext4-count" && i + 1 < argc) ext4_count = std::atoi(argv[++i]);
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
    // Native: a child of ours, as root, the same loop.
    Stats native = run_native(self, kind, src, tgt, count);
    if (native.median == 0) status = 1;
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
  if (ext4_count > 0 && !measure_ext4(self, dir, tgt, ext4_count, doc)) status = 1;
  std::filesystem::remove_all(dir);
  if (!json_path.empty()) {
    std::ofstream out(json_path);
    out << doc.dump(2) << '\n';
    if (!out) status = 1;
  }
  return status;
}
