#include "supervisor/caller/target_memory.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "core/host_dirs.h"
#include "tollgate/unique_fd.h"

namespace tollgate {
namespace {

// process_vm_readv can be unavailable to the supervisor while the caller's memory is still readable: a
// supervisor that runs under a seccomp profile itself (`tollgate run` as a Docker container's entrypoint:
// Docker's default profile allows process_vm_readv only with CAP_SYS_PTRACE) gets EPERM, a kernel without
// CONFIG_CROSS_MEMORY_ATTACH gets ENOSYS. Reading /proc/PID/mem needs the same ptrace access and is then
// the way left. Not for EFAULT: /proc/PID/mem reads with FOLL_FORCE, so it would also return pages the
// caller itself cannot read (PROT_NONE, execute-only), where the real call fails with EFAULT; nor for
// ESRCH (the caller is gone).
bool worth_falling_back(int error) {
  return error == EPERM || error == ENOSYS;
}

// Reads from one caller, trying process_vm_readv first and /proc/PID/mem once that is refused. The caller
// re-checks SECCOMP_IOCTL_NOTIF_ID_VALID after reading, as for process_vm_readv: a pid reused between the
// notification and the open would give another process's memory, which that check throws away.
class TargetReader {
 public:
  explicit TargetReader(pid_t pid) : pid_(pid) {}

  // Bytes read at `address` (fewer than `len` where the readable range ends; 0 never), or errno.
  std::expected<size_t, int> read(uint64_t address, void* out, size_t len) {
    if (!mem_) {
      iovec local{out, len};
      iovec remote{reinterpret_cast<void*>(address), len};
      ssize_t got = process_vm_readv(pid_, &local, 1, &remote, 1, 0);
      if (got > 0) return static_cast<size_t>(got);
      const int error = got == 0 ? EFAULT : errno;
      if (!worth_falling_back(error)) return std::unexpected(error);
      if (auto opened = open_mem(); !opened) return std::unexpected(opened.error() == ENOENT ? ESRCH : error);
    }
    ssize_t got = pread(mem_.get(), out, len, static_cast<off_t>(address));
    // EIO: an unmapped address; 0: the caller's memory is gone (it exited).
    if (got <= 0) return std::unexpected(got < 0 && errno != EIO ? errno : EFAULT);
    return static_cast<size_t>(got);
  }

 private:
  std::expected<void, int> open_mem() {
    // The daemon's own /proc: the reading thread may be inside a container's root.
    const std::string path = std::to_string(pid_) + "/mem";
    mem_.reset(::openat(host_proc(), path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!mem_) return std::unexpected(errno);
    return {};
  }

  pid_t pid_;
  UniqueFd mem_;  // open once process_vm_readv was refused, for the rest of this read
};

}  // namespace

std::expected<std::string, int> read_target_string(pid_t pid, uint64_t address, size_t max_len) {
  if (address == 0) return std::unexpected(EFAULT);
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  TargetReader reader(pid);
  std::string out;
  char chunk[4096];
  while (out.size() < max_len) {
    // Never cross a page boundary in one read: the next page may be unmapped even though the string
    // ends before it.
    size_t to_page_end = page - (address % page);
    size_t want = std::min<size_t>({to_page_end, sizeof chunk, max_len - out.size()});
    auto got = reader.read(address, chunk, want);
    if (!got) return std::unexpected(got.error());
    const void* nul = memchr(chunk, '\0', *got);
    if (nul != nullptr) {
      out.append(chunk, static_cast<const char*>(nul) - chunk);
      return out;
    }
    out.append(chunk, *got);
    address += *got;
  }
  return std::unexpected(ENAMETOOLONG);
}

std::expected<void, int> read_target_bytes(pid_t pid, uint64_t address, void* out, size_t len) {
  if (address == 0) return std::unexpected(EFAULT);
  auto got = TargetReader(pid).read(address, out, len);
  if (!got) return std::unexpected(got.error());
  if (*got != len) return std::unexpected(EFAULT);
  return {};
}

// No /proc/PID/mem fallback for writes: its FOLL_FORCE would also write into pages the caller has mapped
// read-only (its code, its constants), which process_vm_writev refuses as the caller's own write would.
std::expected<void, int> write_target_bytes(pid_t pid, uint64_t address, const void* data, size_t len) {
  if (address == 0) return std::unexpected(EFAULT);
  iovec local{const_cast<void*>(data), len};
  iovec remote{reinterpret_cast<void*>(address), len};
  ssize_t put = process_vm_writev(pid, &local, 1, &remote, 1, 0);
  if (put < 0) return std::unexpected(errno);
  if (static_cast<size_t>(put) != len) return std::unexpected(EFAULT);
  return {};
}

}  // namespace tollgate
