#include "supervisor/socket/open_file_limit.h"

#include <errno.h>

#include <cstring>

namespace tollgate {

std::expected<rlim_t, std::string> raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return std::unexpected(std::string("getrlimit(RLIMIT_NOFILE): ") + std::strerror(errno));
  if (limit.rlim_cur == limit.rlim_max) return limit.rlim_cur;
  const rlim_t old = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
    return std::unexpected("raising RLIMIT_NOFILE from " + std::to_string(old) + " to " +
                           std::to_string(limit.rlim_max) + ": " + std::strerror(errno));
  return limit.rlim_cur;
}

}  // namespace tollgate
