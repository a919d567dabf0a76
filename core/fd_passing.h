// Passing one fd over a Unix socket: the control message that carries it (SCM_RIGHTS), as the handover
// client attaches its listener to a message.
#pragma once

#include <sys/socket.h>

#include <cstring>

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

}  // namespace tollgate
