#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace tollgate {

// Who a listener belongs to, as its agent described it.
struct TargetInfo {
  pid_t pid = 0;
  std::vector<std::string> argv;
  std::string policy_name;
  std::map<std::string, std::string> metadata;
};

}  // namespace tollgate
