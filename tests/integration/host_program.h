// Putting a program of this host into a test root filesystem, with the shared libraries it needs (from
// ldd), so that images can hold real tools (coreutils' ls) and not only busybox applets.
#pragma once

#include <filesystem>
#include <string>

namespace tollgate::testing {

// Copies `program` to ROOTFS/`destination` and each library ldd names to the same path under ROOTFS.
void add_host_program(const std::filesystem::path& rootfs, const std::string& program,
                      const std::string& destination);

}  // namespace tollgate::testing
