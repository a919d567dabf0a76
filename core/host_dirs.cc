#include "core/host_dirs.h"

#include <fcntl.h>

namespace tollgate {
namespace {

int open_our_dir(const char* path) { return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC); }

}  // namespace

// clang-format off
int host_proc() { static const int fd = open_our_dir("/proc"); return fd; }
int host_root() { static const int fd = open_our_dir("/"); return fd; }
int host_sys() { static const int fd = open_our_dir("/sys"); return fd; }
int host_dev() { static const int fd = open_our_dir("/dev"); return fd; }
// clang-format on

void open_host_dirs() {
  host_proc();
  host_dev();
  host_sys();
  host_root();
}

}  // namespace tollgate
