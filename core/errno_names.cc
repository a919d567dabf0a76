#include "core/errno_names.h"

#include <string.h>

#include <array>

namespace tollgate {
namespace {
// Linux errno values stop well below this; strerrorname_np returns NULL past the last one.
constexpr int kMaxErrno = 4096;
}  // namespace

std::optional<int> errno_from_name(std::string_view name) {
  for (int e = 1; e < kMaxErrno; ++e) {
    const char* n = strerrorname_np(e);
    if (n != nullptr && name == n) return e;
  }
  return std::nullopt;
}

std::string errno_name(int value) {
  const char* n = strerrorname_np(value);
  return n != nullptr ? std::string(n) : std::to_string(value);
}

}  // namespace tollgate
