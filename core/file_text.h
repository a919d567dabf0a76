// Reading a whole file into memory (policies, learned rules, /proc files, id maps, the keeper's memfds) and
// writing a whole buffer. One place, so every caller gets the same errors (errno as a value) and the same
// handling of short reads and writes and of EINTR.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace tollgate {

// The whole content of `path`. Error: errno (of open or read).
std::expected<std::string, int> read_file(const std::string& path);
// The same for `name` relative to the directory fd `dir` (openat), e.g. a file under /proc/PID.
std::expected<std::string, int> read_file_at(int dir, const char* name);
// Everything from `fd`'s current offset to its end.
std::expected<std::string, int> read_to_end(int fd);
// All of `text` to `fd`, however many writes it takes. Error: errno (EIO for a write of 0 bytes).
std::expected<void, int> write_all(int fd, std::string_view text);

}  // namespace tollgate
