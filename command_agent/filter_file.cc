#include "command_agent/filter_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tollgate/unique_fd.h"

namespace tollgate {

FilterProgram read_filter_file(const char* path) {
  FilterProgram out;
  auto fail = [&](const std::string& what) {
    out.instructions.clear();
    out.error = std::string(path) + ": " + what;
    return out;
  };
  // The shim made the file and the bind mount: it is never a link, and a link here is not ours.
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return fail(std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail("not a regular file");
  const auto size = static_cast<size_t>(st.st_size);
  if (size == 0 || size % sizeof(sock_filter) != 0 || size / sizeof(sock_filter) > BPF_MAXINSNS)
    return fail("not a seccomp program (" + std::to_string(size) + " bytes)");
  out.instructions.resize(size / sizeof(sock_filter));
  auto* bytes = reinterpret_cast<char*>(out.instructions.data());
  for (size_t done = 0; done < size;) {
    ssize_t n = ::read(fd.get(), bytes + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(std::strerror(errno));
    if (n == 0) return fail("shorter than its size");
    done += static_cast<size_t>(n);
  }
  return out;
}

}  // namespace tollgate
