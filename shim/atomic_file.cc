#include "shim/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "tollgate/unique_fd.h"

namespace tollgate {

std::expected<void, std::string> replace_file_atomically(const std::string& path, std::string_view content,
                                                         unsigned new_file_mode) {
  auto failed = [&](const std::string& what) {
    return std::unexpected(what + " " + path + ": " + std::strerror(errno));
  };
  struct stat original {};
  const bool exists = ::stat(path.c_str(), &original) == 0;

  std::string temp_name = path + ".tollgate-XXXXXX";
  std::vector<char> temp(temp_name.begin(), temp_name.end());
  temp.push_back('\0');
  UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (!fd) return failed("cannot create a temporary file beside");
  temp_name = temp.data();
  auto discard = [&](const std::string& what) {
    auto error = failed(what);
    ::unlink(temp_name.c_str());
    return error;
  };
  if (::fchmod(fd.get(), exists ? original.st_mode & 07777 : new_file_mode) != 0)
    return discard("cannot set the mode of");
  while (!content.empty()) {
    ssize_t n = ::write(fd.get(), content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return discard("cannot write");
    content.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd.get()) != 0) return discard("cannot sync");
  fd.reset();
  if (::rename(temp_name.c_str(), path.c_str()) != 0) return discard("cannot replace");
  return {};
}

}  // namespace tollgate
