#include "supervisor/keeper/keeper_channel.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/fd_passing.h"
#include "core/file_text.h"

namespace tollgate {

namespace {

// The message {"in_memfd":SIZE}: the real one is in the first fd, a sealed memfd of SIZE bytes.
constexpr const char* kInMemfd = "in_memfd";

std::expected<UniqueFd, int> sealed_memfd(const std::string& text) {
  UniqueFd fd(memfd_create("tollgate-keeper-message", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) return std::unexpected(errno);
  if (auto written = write_all(fd.get(), text); !written) return std::unexpected(written.error());
  // What the keeper reads is what was written: nobody can change it afterwards.
  if (fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
    return std::unexpected(errno);
  return fd;
}

std::expected<nlohmann::json, int> read_memfd_message(int fd, uint64_t size) {
  struct stat st {};
  if (size > kMaxKeeperMessageInMemfd || fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) != size ||
      (fcntl(fd, F_GET_SEALS) & F_SEAL_WRITE) == 0)
    return std::unexpected(EBADMSG);
  // The sender's offset is at the end of what it wrote (the open file is shared): read from the start.
  if (lseek(fd, 0, SEEK_SET) != 0) return std::unexpected(EBADMSG);
  auto text = read_to_end(fd);
  if (!text || text->size() != size) return std::unexpected(EBADMSG);
  return nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

std::expected<void, int> send_keeper_message(int channel, const nlohmann::json& body, int fd) {
  // The daemon's records may hold any bytes a peer sent (argv is not always UTF-8): replaced, not thrown.
  std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > kMaxKeeperMessageInMemfd) return std::unexpected(EMSGSIZE);
  UniqueFd memfd;
  if (text.size() > kMaxKeeperMessage) {
    auto sealed = sealed_memfd(text);
    if (!sealed) return std::unexpected(sealed.error());
    memfd = std::move(*sealed);
    text = nlohmann::json{{kInMemfd, text.size()}}.dump();
  }
  int fds[2];
  size_t count = 0;
  if (memfd) fds[count++] = memfd.get();
  if (fd >= 0) fds[count++] = fd;
  iovec iov{text.data(), text.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof fds)] = {};
  if (count > 0) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * count);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * count);
    std::memcpy(CMSG_DATA(c), fds, sizeof(int) * count);
  }
  while (sendmsg(channel, &msg, MSG_NOSIGNAL) < 0)
    if (errno != EINTR) return std::unexpected(errno);
  return {};
}

std::expected<KeeperMessage, int> receive_keeper_message(int channel) {
  static thread_local std::string buffer(kMaxKeeperMessage + 1, '\0');
  iovec iov{buffer.data(), buffer.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = recvmsg(channel, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)) < 0)
    if (errno != EINTR) return std::unexpected(errno);
  std::vector<UniqueFd> fds = take_passed_fds(msg);  // any beyond what the message uses are closed
  if (n == 0) return std::unexpected(0);
  if ((msg.msg_flags & MSG_TRUNC) != 0) return std::unexpected(EMSGSIZE);
  KeeperMessage m;
  m.body = nlohmann::json::parse(buffer.data(), buffer.data() + n, nullptr, /*allow_exceptions=*/false);
  if (m.body.is_discarded() || !m.body.is_object()) return std::unexpected(EBADMSG);
  size_t next_fd = 0;
  if (auto in_memfd = m.body.find(kInMemfd); in_memfd != m.body.end()) {
    if (!in_memfd->is_number_unsigned() || fds.empty()) return std::unexpected(EBADMSG);
    auto body = read_memfd_message(fds[0].get(), in_memfd->get<uint64_t>());
    if (!body || body->is_discarded() || !body->is_object()) return std::unexpected(EBADMSG);
    m.body = std::move(*body);
    next_fd = 1;
  }
  if (fds.size() > next_fd) m.fd = std::move(fds[next_fd]);
  return m;
}

nlohmann::json manifest_json(const KeeperManifest& manifest) {
  nlohmann::json sockets = nlohmann::json::array(), listeners = nlohmann::json::array(),
                 rings = nlohmann::json::array();
  for (const auto& s : manifest.sockets)
    sockets.push_back({{"name", s.name}, {"path", s.path}, {"fd", s.fd}});
  for (const auto& l : manifest.listeners)
    listeners.push_back({{"key", l.key}, {"fd", l.fd}, {"record", l.record}});
  for (const auto& r : manifest.rings) rings.push_back({{"ring", r.id}, {"fd", r.fd}});
  return {
      {"generation", manifest.generation}, {"sockets", sockets}, {"listeners", listeners}, {"rings", rings}};
}

std::expected<KeeperManifest, std::string> parse_manifest(const nlohmann::json& j) {
  try {
    KeeperManifest m;
    m.generation = j.at("generation").get<uint64_t>();
    for (const auto& s : j.at("sockets"))
      m.sockets.push_back(
          {s.at("name").get<std::string>(), s.at("path").get<std::string>(), s.at("fd").get<int>()});
    for (const auto& l : j.at("listeners"))
      m.listeners.push_back({l.at("key").get<uint64_t>(), l.at("fd").get<int>(), l.at("record")});
    for (const auto& r : j.at("rings"))
      m.rings.push_back({r.at("ring").get<uint64_t>(), r.at("fd").get<int>()});
    return m;
  } catch (const nlohmann::json::exception& e) {
    return std::unexpected(std::string("the keeper's manifest: ") + e.what());
  }
}

}  // namespace tollgate
