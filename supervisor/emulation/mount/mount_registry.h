// The mounts this supervisor made, per mount namespace, so that remounts and unmounts are allowed only
// for those. Mounts are named by their unique mount id (statx STATX_MNT_ID_UNIQUE), never reused.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <utility>

namespace tollgate {

class MountRegistry {
 public:
  void add(uint64_t mount_ns, uint64_t mount_id) {
    std::lock_guard lock(mutex_);
    mounts_.emplace(mount_ns, mount_id);
  }
  bool contains(uint64_t mount_ns, uint64_t mount_id) const {
    std::lock_guard lock(mutex_);
    return mounts_.contains({mount_ns, mount_id});
  }
  void remove(uint64_t mount_ns, uint64_t mount_id) {
    std::lock_guard lock(mutex_);
    mounts_.erase({mount_ns, mount_id});
  }

 private:
  mutable std::mutex mutex_;
  std::set<std::pair<uint64_t, uint64_t>> mounts_;
};

}  // namespace tollgate
