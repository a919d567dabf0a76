// Writing a line to a caller's own standard error: how explain mode shows a container's denials in the
// terminal of the `docker run` / `podman run` that started it, with no second command.
//
// Never blocks and never grants the caller's stderr anything it did not have: the file is taken from the
// caller (pidfd_getfd), written only if the caller holds it open for writing and it is a pipe, a socket or a
// terminal (never a regular file or another device), and pipes and terminals are reopened through our own
// copy with O_NONBLOCK, so a full pipe costs one EAGAIN and the caller's own file flags stay untouched.
#pragma once

#include <expected>
#include <string_view>

#include "tollgate/unique_fd.h"

namespace tollgate {

// `caller`: a pidfd of the caller's process, validated against its pending notification by the caller of
// this function. Error: errno (EAGAIN when the pipe or terminal is full, ENOTTY when stderr is none of the
// kinds above, EBADF when it is read-only).
std::expected<void, int> write_to_caller_stderr(const UniqueFd& caller, std::string_view line);

}  // namespace tollgate
