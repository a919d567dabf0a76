#include "supervisor/socket/unix_socket.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

namespace tollgate {
namespace {

// The socket's directory (e.g. /run/tollgate) is created when missing. Its own error is the one to report:
// bind would only say ENOENT, which names neither the directory nor the reason (a user may not write /run).
std::expected<void, std::string> create_parent_directory(const std::string& path) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (dir.empty() || std::filesystem::is_directory(dir, ec)) return {};
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return std::unexpected(path + ": cannot create its directory " + dir.string() + ": " + ec.message());
  return {};
}

}  // namespace

std::expected<UniqueFd, std::string> listen_unix_socket(const std::string& path, mode_t mode, int backlog) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return std::unexpected(path + ": socket path too long or empty");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (auto dir = create_parent_directory(path); !dir) return std::unexpected(dir.error());
  UniqueFd sock(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!sock) return std::unexpected(std::string("socket: ") + std::strerror(errno));

  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return std::unexpected(path + ": exists and is not a socket");
    UniqueFd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
      return std::unexpected(path + ": another supervisor is listening there");
    unlink(path.c_str());
  }
  mode_t old_umask = umask(static_cast<mode_t>(~mode & 0777));
  int rc = bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int bind_errno = errno;
  umask(old_umask);
  if (rc != 0) return std::unexpected(path + ": bind: " + std::strerror(bind_errno));
  if (::listen(sock.get(), backlog) != 0) return std::unexpected(path + ": listen: " + std::strerror(errno));
  return sock;
}

}  // namespace tollgate
