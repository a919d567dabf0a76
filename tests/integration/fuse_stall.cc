#include "tests/integration/fuse_stall.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace tollgate::testing {

FuseStall::FuseStall(std::string mount_point) : path_(std::move(mount_point)) {
  if (mkdir(path_.c_str(), 0755) != 0)
    throw std::runtime_error("mkdir " + path_ + ": " + std::strerror(errno));
  // Close-on-exec: no process the test starts may keep the connection alive past abort().
  device_.reset(open("/dev/fuse", O_RDWR | O_CLOEXEC));
  if (!device_) throw std::runtime_error(std::string("/dev/fuse: ") + std::strerror(errno));
  const std::string options = "fd=" + std::to_string(device_.get()) + ",rootmode=40000,user_id=0,group_id=0";
  if (mount("tollgate-test-stall", path_.c_str(), "fuse", MS_NOSUID | MS_NODEV, options.c_str()) != 0)
    throw std::runtime_error("mounting FUSE on " + path_ + ": " + std::strerror(errno));
  mounted_ = true;
}

FuseStall::~FuseStall() {
  abort();
  rmdir(path_.c_str());
}

void FuseStall::abort() {
  device_.reset();  // the last /dev/fuse file of the connection: the kernel aborts it
  if (mounted_) umount2(path_.c_str(), MNT_DETACH);
  mounted_ = false;
}

}  // namespace tollgate::testing
