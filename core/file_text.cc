#include "core/file_text.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "tollgate/unique_fd.h"

namespace tollgate {

std::expected<std::string, int> read_to_end(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) return out;
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(errno);
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

std::expected<void, int> write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::unexpected(n < 0 ? errno : EIO);
    text.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

std::expected<std::string, int> read_file_at(int dir, const char* name) {
  UniqueFd fd(openat(dir, name, O_RDONLY | O_CLOEXEC));
  if (!fd) return std::unexpected(errno);
  return read_to_end(fd.get());
}

std::expected<std::string, int> read_file(const std::string& path) {
  return read_file_at(AT_FDCWD, path.c_str());
}

}  // namespace tollgate
