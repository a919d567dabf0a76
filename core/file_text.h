// Reading a whole file into memory: policies, learned rules, /proc files, id maps. One place, so every
// caller gets the same errors (errno as a value) and the same handling of short reads.
#pragma once

#include <expected>
#include <string>

namespace tollgate {

// The whole content of `path`. Error: errno (of open or read).
std::expected<std::string, int> read_file(const std::string& path);
// The same for `name` relative to the directory fd `dir` (openat), e.g. a file under /proc/PID.
std::expected<std::string, int> read_file_at(int dir, const char* name);

}  // namespace tollgate
