// The daemon holds one fd per listener and per connection: thousands on a busy host. Distributions start
// services with a soft RLIMIT_NOFILE of 1024 and a much larger hard one, so both `supervise` and `run`
// raise the soft limit to the hard one at start.
#pragma once

#include <sys/resource.h>

#include <expected>
#include <string>

namespace tollgate {

// The soft limit now in force. Error: a message for the log (the old limit stays).
std::expected<rlim_t, std::string> raise_open_file_limit();

}  // namespace tollgate
