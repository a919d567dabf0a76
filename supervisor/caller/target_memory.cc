#include "supervisor/caller/target_memory.h"

#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace tollgate {

std::expected<std::string, int> read_target_string(pid_t pid, uint64_t address, size_t max_len) {
  if (address == 0) return std::unexpected(EFAULT);
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::string out;
  char chunk[4096];
  while (out.size() < max_len) {
    // Never cross a page boundary in one read: the next page may be unmapped even though the string
    // ends before it.
    size_t to_page_end = page - (address % page);
    size_t want = std::min<size_t>({to_page_end, sizeof chunk, max_len - out.size()});
    iovec local{chunk, want};
    iovec remote{reinterpret_cast<void*>(address), want};
    ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (got <= 0) return std::unexpected(got == 0 ? EFAULT : errno);
    const void* nul = memchr(chunk, '\0', static_cast<size_t>(got));
    if (nul != nullptr) {
      out.append(chunk, static_cast<const char*>(nul) - chunk);
      return out;
    }
    out.append(chunk, static_cast<size_t>(got));
    address += static_cast<uint64_t>(got);
  }
  return std::unexpected(ENAMETOOLONG);
}

}  // namespace tollgate

namespace tollgate {

std::expected<void, int> read_target_bytes(pid_t pid, uint64_t address, void* out, size_t len) {
  if (address == 0) return std::unexpected(EFAULT);
  iovec local{out, len};
  iovec remote{reinterpret_cast<void*>(address), len};
  ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  if (got < 0) return std::unexpected(errno);
  if (static_cast<size_t>(got) != len) return std::unexpected(EFAULT);
  return {};
}

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
