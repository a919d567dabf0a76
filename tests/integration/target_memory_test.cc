// Reading a caller's memory when process_vm_readv is refused to the supervisor, as it is to `tollgate run`
// used as a Docker container's entrypoint (Docker's default profile allows process_vm_readv only with
// CAP_SYS_PTRACE): a reader process denies process_vm_readv to itself with a seccomp filter, starts a
// target holding a string, and reads it with read_target_string / read_target_bytes.
#include "supervisor/caller/target_memory.h"

#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "tollgate/unique_fd.h"

namespace tollgate::testing {
namespace {

// Where the target puts its string, relative to a two-page mapping the reader made before starting it.
enum class Placement {
  WithinAPage,
  AcrossPages,         // starts 5 bytes before the second page
  RunsIntoUnmapped,    // starts 5 bytes before the second page, which the target unmaps
};

struct ReadOutcome {
  int error = 0;  // 0: read; otherwise the errno the read failed with
  std::string text;
  bool bytes_match = false;  // read_target_bytes returned the same leading bytes
};

constexpr const char* kText = "/written/by/the/target";

// pipe2 as two owned ends.
std::pair<UniqueFd, UniqueFd> make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) std::abort();
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

bool write_all(int fd, const void* data, size_t len) {
  return write(fd, data, len) == static_cast<ssize_t>(len);
}

// The target: writes kText at its place in the shared-address mapping, says so, and waits until the reader
// is done (its end of `done` closes).
[[noreturn]] void be_target(char* area, size_t page, Placement where, int ready, int done) {
  char* text = where == Placement::WithinAPage ? area + 100 : area + page - 5;
  std::memcpy(text, kText, std::strlen(kText) + 1);
  if (where == Placement::RunsIntoUnmapped) munmap(area + page, page);
  char byte = 1;
  write_all(ready, &byte, 1);
  while (read(done, &byte, 1) > 0) {
  }
  _exit(0);
}

// The reader, in its own process: denies process_vm_readv to itself with `denial` (0: no filter), starts the
// target, reads, and reports on `report`.
[[noreturn]] void be_reader(int denial, Placement where, int report) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* mapped = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) _exit(2);
  char* area = static_cast<char*>(mapped);
  if (denial != 0) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == nullptr || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(denial), SCMP_SYS(process_vm_readv), 0) != 0 ||
        seccomp_load(ctx) != 0)
      _exit(3);
    seccomp_release(ctx);
    // The filter holds: the reader cannot use process_vm_readv any more, not even on itself.
    iovec local{area, 1}, remote{area, 1};
    if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != -1 || errno != denial) _exit(7);
  }
  auto [ready_r, ready_w] = make_pipe();
  auto [done_r, done_w] = make_pipe();
  pid_t target = fork();
  if (target < 0) _exit(4);
  if (target == 0) {
    // Only the reader may hold the write end of `done`, or the target would wait for itself.
    ready_r.reset();
    done_w.reset();
    be_target(area, page, where, ready_w.get(), done_r.get());
  }
  ready_w.reset();
  done_r.reset();
  char byte;
  if (read(ready_r.get(), &byte, 1) != 1) _exit(5);

  const uint64_t address = reinterpret_cast<uint64_t>(where == Placement::WithinAPage ? area + 100 : area + page - 5);
  ReadOutcome outcome;
  auto text = read_target_string(target, address);
  if (text) {
    outcome.text = *text;
    char bytes[4] = {};
    outcome.bytes_match = read_target_bytes(target, address, bytes, sizeof bytes).has_value() &&
                          std::memcmp(bytes, kText, sizeof bytes) == 0;
  } else {
    outcome.error = text.error();
  }
  done_w.reset();
  waitpid(target, nullptr, 0);
  const uint32_t size = static_cast<uint32_t>(outcome.text.size());
  const bool sent = write_all(report, &outcome.error, sizeof outcome.error) &&
                    write_all(report, &outcome.bytes_match, sizeof outcome.bytes_match) &&
                    write_all(report, &size, sizeof size) && write_all(report, outcome.text.data(), size);
  _exit(sent ? 0 : 6);
}

ReadOutcome read_in_reader(int denial, Placement where) {
  auto [report_r, report_w] = make_pipe();
  pid_t reader = fork();
  if (reader == 0) be_reader(denial, where, report_w.get());
  report_w.reset();
  ReadOutcome outcome;
  uint32_t size = 0;
  const bool got = read(report_r.get(), &outcome.error, sizeof outcome.error) == sizeof outcome.error &&
                   read(report_r.get(), &outcome.bytes_match, sizeof outcome.bytes_match) == sizeof outcome.bytes_match &&
                   read(report_r.get(), &size, sizeof size) == sizeof size;
  outcome.text.resize(got ? size : 0);
  if (got && size > 0 && read(report_r.get(), outcome.text.data(), size) != static_cast<ssize_t>(size))
    outcome.text.clear();
  int status = 0;
  waitpid(reader, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "reader status " << status;
  return outcome;
}

class TargetMemoryTest : public ::testing::TestWithParam<int> {};

// 0: process_vm_readv works; EPERM: denied as Docker's default profile does; ENOSYS: a kernel without it.
INSTANTIATE_TEST_SUITE_P(ProcessVmReadv, TargetMemoryTest, ::testing::Values(0, EPERM, ENOSYS),
                         [](const ::testing::TestParamInfo<int>& p) {
                           return p.param == 0 ? std::string("Allowed")
                                               : std::string("DeniedWith") + strerrorname_np(p.param);
                         });

TEST_P(TargetMemoryTest, ReadsTheTargetsString) {
  ReadOutcome r = read_in_reader(GetParam(), Placement::WithinAPage);
  EXPECT_EQ(r.error, 0) << strerror(r.error);
  EXPECT_EQ(r.text, kText);
  EXPECT_TRUE(r.bytes_match);
}

TEST_P(TargetMemoryTest, ReadsAStringAcrossAPageBoundary) {
  ReadOutcome r = read_in_reader(GetParam(), Placement::AcrossPages);
  EXPECT_EQ(r.error, 0) << strerror(r.error);
  EXPECT_EQ(r.text, kText);
}

TEST_P(TargetMemoryTest, AStringRunningIntoAnUnmappedPageIsEfault) {
  ReadOutcome r = read_in_reader(GetParam(), Placement::RunsIntoUnmapped);
  EXPECT_EQ(r.error, EFAULT) << strerror(r.error) << " text " << r.text;
}

}  // namespace
}  // namespace tollgate::testing
