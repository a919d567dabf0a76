// Variants of Podman's real profile used by the explain, audit and lint tests.
#pragma once

#include <algorithm>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tests/integration/harness.h"

namespace tollgate::testing {

// Podman's profile, edited by `edit`, written into `dir` as `name`.
inline std::string podman_variant(const TempDir& dir, const std::string& name,
                                  const std::function<void(nlohmann::json&)>& edit) {
  std::ifstream in(kPodmanProfile);
  nlohmann::json profile = nlohmann::json::parse(in);
  edit(profile);
  const std::string path = dir.file(name);
  write_file(path, profile.dump(2));
  return path;
}

// Story 1: the allow entry has lost statx, as it does when the host's libseccomp does not know the name.
// With `errno_ret` the defaultErrnoRet is replaced (Podman's own is ENOSYS, which glibc quietly falls back
// from; Docker's EPERM is what makes `ls` fail).
inline std::string podman_without_statx(const TempDir& dir, std::optional<int> errno_ret = std::nullopt) {
  return podman_variant(dir, "podman-no-statx.json", [&](nlohmann::json& p) {
    for (auto& entry : p["syscalls"]) {
      auto& names = entry["names"];
      names.erase(std::remove(names.begin(), names.end(), "statx"), names.end());
    }
    if (errno_ret) p["defaultErrnoRet"] = *errno_ret;
  });
}

// Lines of `text` that contain `needle`.
inline size_t lines_with(const std::string& text, const std::string& needle) {
  size_t n = 0, start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (text.substr(start, end - start).find(needle) != std::string::npos) ++n;
    start = end + 1;
  }
  return n;
}

// Lines of `text` not written by tollgate itself: what the program printed on the same stream.
inline std::string program_lines(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    if (!line.starts_with("tollgate:")) out += line + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace tollgate::testing
