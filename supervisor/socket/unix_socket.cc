#include "supervisor/socket/unix_socket.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace tollgate {

std::expected<UniqueFd, std::string> listen_unix_socket(const std::string& path, mode_t mode, int backlog) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return std::unexpected(path + ": socket path too long or empty");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
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
