// The program bench_roundtrip runs under the supervisor: calls getppid(2) COUNT times, timing each call, and
// reports what one notified call costs as seen by the caller.
//
//   bench_target COUNT EXPECTED [OUT_FD [GO_FD]]
//
// EXPECTED is an errno number (1: every call must fail with EPERM) or "real" (every call must return the
// true parent pid, read from /proc/self/status so that getppid itself is never trusted). One line of
// key=value pairs goes to OUT_FD (default: stdout); the exit status is 0 when every call gave the expected
// result, 1 when some did not, 2 on a usage error.
//
// With GO_FD (bench_throughput: many targets that must start together), the target gets everything ready,
// writes "ready" on a line of its own to OUT_FD, and waits until GO_FD reaches end of file (the benchmark
// closes the write end, which releases all its targets at once) before its first call.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace {

uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// The parent pid as the kernel records it, without getppid.
long ppid_from_proc() {
  FILE* f = fopen("/proc/self/status", "re");
  if (f == nullptr) return -1;
  char line[256];
  long ppid = -1;
  while (fgets(line, sizeof line, f) != nullptr)
    if (strncmp(line, "PPid:", 5) == 0) ppid = strtol(line + 5, nullptr, 10);
  fclose(f);
  return ppid;
}

bool parse_long(const char* text, long& out) {
  char* end = nullptr;
  errno = 0;
  out = strtol(text, &end, 10);
  return errno == 0 && end != text && *end == '\0';
}

// What two back-to-back clock reads cost: every sample below carries about this much on top of the call.
uint64_t timer_overhead_ns() {
  constexpr int kPairs = 10000;
  std::vector<uint64_t> d(kPairs);
  for (auto& x : d) {
    const uint64_t t0 = now_ns();
    x = now_ns() - t0;
  }
  std::nth_element(d.begin(), d.begin() + kPairs / 2, d.end());
  return d[kPairs / 2];
}

}  // namespace

int main(int argc, char** argv) {
  long count = 0;
  long out_fd = STDOUT_FILENO;
  long go_fd = -1;
  if (argc < 3 || argc > 5 || !parse_long(argv[1], count) || count <= 0 ||
      (argc >= 4 && !parse_long(argv[3], out_fd)) || (argc == 5 && !parse_long(argv[4], go_fd))) {
    fprintf(stderr, "usage: %s COUNT EXPECTED_ERRNO|real [OUT_FD [GO_FD]]\n", argv[0]);
    return 2;
  }
  const bool want_real = strcmp(argv[2], "real") == 0;
  long want_errno = 0;
  if (!want_real && (!parse_long(argv[2], want_errno) || want_errno <= 0 || want_errno > 4095)) {
    fprintf(stderr, "%s: EXPECTED must be an errno number or \"real\"\n", argv[0]);
    return 2;
  }
  const long real_ppid = ppid_from_proc();
  if (want_real && real_ppid <= 0) {
    fprintf(stderr, "%s: cannot read PPid from /proc/self/status\n", argv[0]);
    return 2;
  }

  const uint64_t timer_ns = timer_overhead_ns();
  std::vector<uint64_t> samples(static_cast<size_t>(count));  // touched now, not inside the loop
  long mismatches = 0;
  if (go_fd >= 0) {
    dprintf(static_cast<int>(out_fd), "ready\n");
    char byte;
    ssize_t n;
    do n = read(static_cast<int>(go_fd), &byte, 1);
    while (n < 0 && errno == EINTR);
    close(static_cast<int>(go_fd));
  }
  const uint64_t start = now_ns();
  for (auto& sample : samples) {
    const uint64_t t0 = now_ns();
    errno = 0;
    const long r = syscall(SYS_getppid);
    const int e = errno;
    sample = now_ns() - t0;
    const bool ok = want_real ? r == real_ppid : (r == -1 && e == want_errno);
    if (!ok) ++mismatches;
  }
  const uint64_t wall = now_ns() - start;

  uint64_t sum = 0;
  for (uint64_t s : samples) sum += s;
  std::sort(samples.begin(), samples.end());
  auto pct = [&](double p) {
    return samples[std::min(samples.size() - 1, static_cast<size_t>(p * samples.size()))];
  };
  dprintf(static_cast<int>(out_fd),
          "count=%ld mean_ns=%.1f p50_ns=%llu p99_ns=%llu max_ns=%llu wall_ns_per_call=%.1f timer_ns=%llu "
          "mismatches=%ld\n",
          count, static_cast<double>(sum) / static_cast<double>(count),
          static_cast<unsigned long long>(pct(0.50)), static_cast<unsigned long long>(pct(0.99)),
          static_cast<unsigned long long>(samples.back()),
          static_cast<double>(wall) / static_cast<double>(count), static_cast<unsigned long long>(timer_ns),
          mismatches);
  return mismatches == 0 ? 0 : 1;
}
