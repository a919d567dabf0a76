#include "command_agent/executable_lookup.h"

#include <sys/stat.h>

#include <cerrno>
#include <string_view>

namespace tollgate {
namespace {

int runnable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno;
  if (S_ISDIR(st.st_mode) || (st.st_mode & 0111) == 0) return EACCES;
  return 0;
}

}  // namespace

LookupResult find_command(const std::string& name, const char* path_variable) {
  if (name.empty()) return {"", ENOENT};
  if (name.find('/') != std::string::npos) return {name, runnable(name)};
  // Like Go: an unset or empty PATH searches nowhere, and an empty entry means the working directory.
  std::string_view dirs = path_variable != nullptr ? path_variable : "";
  while (!dirs.empty()) {
    const size_t colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    std::string candidate = (dir.empty() ? std::string(".") : std::string(dir)) + "/" + name;
    if (runnable(candidate) == 0) return {candidate, 0};
  }
  return {"", ENOENT};
}

}  // namespace tollgate
