// A private directory under /tmp for one benchmark run (sockets, policies, reports), removed with everything
// in it when the run ends, however it ends.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace tollgate::bench {

class ScratchDir {
 public:
  ScratchDir() {
    char templ[] = "/tmp/tollgate-bench-XXXXXX";
    if (mkdtemp(templ) != nullptr) path_ = templ;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  bool valid() const { return !path_.empty(); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace tollgate::bench
