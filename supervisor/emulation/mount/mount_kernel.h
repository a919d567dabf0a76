// Thin wrappers over the kernel calls mount emulation needs beyond the new mount API itself: mount ids,
// lazy detach through an fd, loop devices, and which file systems need a block device.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <functional>
#include <string>

#include "tollgate/unique_fd.h"

namespace tollgate {

struct MountIdentity {
  uint64_t id = 0;             // unique mount id (never reused)
  bool is_mount_root = false;  // the fd is the root of its mount
};
std::expected<MountIdentity, int> mount_identity(int fd);

// Lazily unmounts the mount whose root `fd` is, in this thread's mount namespace.
std::expected<void, int> detach_mount(int fd);

// Binds a free loop device to `backing` (autoclear: it detaches itself once unmounted and closed).
// Returns the open loop device.
std::expected<UniqueFd, int> attach_loop_device(int backing, bool read_only);

// For a loop device: its backing file's path (as this thread sees it). Error: errno (ENXIO if none).
std::expected<std::string, int> loop_backing_file(dev_t device);

// The block device's node in our /dev ("/dev/loop0"), checked to be that very device; this thread must
// have our root. Error: errno.
std::expected<std::string, int> host_device_path(dev_t device);

// Runs fn in a short-lived child (sharing our memory, this thread waiting) that lives in the pid namespace
// `pid_ns`: for file systems whose contents come from the mounting task's pid namespace (proc).
std::expected<void, int> run_in_pid_namespace(int pid_ns, const std::function<void()>& fn);

// From /proc/filesystems: nullopt when the kernel does not know the type.
std::expected<bool, int> filesystem_needs_device(const std::string& fstype);

}  // namespace tollgate
