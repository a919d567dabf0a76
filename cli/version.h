// What `tollgate --version` prints: this build, the libseccomp it runs with, the kernel's notify features
// (probed, not guessed from a version number), and where the policies come from.
#pragma once

#include <string>

namespace tollgate {

std::string version_text();

}  // namespace tollgate
