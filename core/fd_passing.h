// Passing fds over a Unix socket (SCM_RIGHTS): the control message that carries one, as the handover client
// attaches its listener to a message, and taking every fd a received message carried.
#pragma once

#include <sys/socket.h>

#include <cstring>
#include <vector>

#include "tollgate/unique_fd.h"

namespace tollgate {

// Space for a control message carrying one fd.
struct OneFdControl {
  alignas(cmsghdr) char bytes[CMSG_SPACE(sizeof(int))] = {};
};

// Makes `msg` carry `fd`, using `control` (which must outlive the sendmsg).
inline void attach_fd(msghdr& msg, OneFdControl& control, int fd) {
  msg.msg_control = control.bytes;
  msg.msg_controllen = sizeof control.bytes;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
}

// Every fd a received message carried, owned in the order sent: whatever the caller does not keep is closed.
inline std::vector<UniqueFd> take_passed_fds(msghdr& msg) {
  std::vector<UniqueFd> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      fds.emplace_back(fd);
    }
  }
  return fds;
}

}  // namespace tollgate
