// The filter the runtime shim compiled on the host for this container, read from the file it bind-mounted
// read-only into the container: raw `struct sock_filter` instructions, native byte order, nothing else.
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

namespace tollgate {

struct FilterProgram {
  std::vector<sock_filter> instructions;
  std::string error;  // set when the file is missing, empty, truncated or longer than the kernel allows
};

FilterProgram read_filter_file(const char* path);

}  // namespace tollgate
