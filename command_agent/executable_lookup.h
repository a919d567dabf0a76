// Finding the container's command the way runc finds process.args[0] (Go's exec.LookPath): a name with a
// slash is used as it is; any other name is searched in $PATH for a non-directory with an execute bit.
// Done before the filter is installed, so that the lookup's own calls are not the profile's business and
// the one call the command makes under the profile before its own code is execve.
#pragma once

#include <string>

namespace tollgate {

struct LookupResult {
  std::string path;
  int error = 0;  // ENOENT: found nowhere; otherwise why the named file cannot be run
};

LookupResult find_command(const std::string& name, const char* path_variable);

}  // namespace tollgate
