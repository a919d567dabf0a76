#include "supervisor/keeper/keeper_channel.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/fd_passing.h"

namespace tollgate {

std::expected<void, int> send_keeper_message(int channel, const nlohmann::json& body, int fd) {
  // The daemon's records may hold any bytes a peer sent (argv is not always UTF-8): replaced, not thrown.
  const std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > kMaxKeeperMessage) return std::unexpected(EMSGSIZE);
  iovec iov{const_cast<char*>(text.data()), text.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  OneFdControl control;
  if (fd >= 0) attach_fd(msg, control, fd);
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
  KeeperMessage m;
  std::vector<UniqueFd> extra;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (!m.fd)
        m.fd.reset(fd);
      else
        extra.emplace_back(fd);  // more than one: closed
    }
  }
  if (n == 0) return std::unexpected(0);
  if ((msg.msg_flags & MSG_TRUNC) != 0) return std::unexpected(EMSGSIZE);
  m.body = nlohmann::json::parse(buffer.data(), buffer.data() + n, nullptr, /*allow_exceptions=*/false);
  if (m.body.is_discarded() || !m.body.is_object()) return std::unexpected(EBADMSG);
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
