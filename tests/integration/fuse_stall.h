// A FUSE mount whose server never answers: the kernel's first request (INIT) is never read, so every lookup
// below the mount point waits, killably, like a call into a hung network file system. abort() (or the
// destructor) closes the connection: the waiting calls fail with ENOTCONN and the mount is detached.
#pragma once

#include <string>

#include "tollgate/unique_fd.h"

namespace tollgate::testing {

class FuseStall {
 public:
  // Creates the directory `mount_point` and mounts there. Throws std::runtime_error on failure.
  explicit FuseStall(std::string mount_point);
  ~FuseStall();
  FuseStall(const FuseStall&) = delete;
  FuseStall& operator=(const FuseStall&) = delete;

  const std::string& path() const { return path_; }
  // Ends the stall: fails every waiting call and detaches the mount. Idempotent.
  void abort();

 private:
  std::string path_;
  UniqueFd device_;  // /dev/fuse: the connection, while it is open
  bool mounted_ = false;
};

}  // namespace tollgate::testing
