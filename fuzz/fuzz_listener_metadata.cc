// linux.seccomp.listenerMetadata as `key=value` lines (supervisor/decide/policy_selection.h), straight from
// the bytes so that every line shape is reached. An accepted text yields keys that are non-empty, trimmed,
// one line each and free of '=', whatever the container's author wrote.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "supervisor/decide/policy_selection.h"

namespace {

bool trimmed_single_line(const std::string& s) {
  if (s.find('\n') != std::string::npos) return false;
  if (s.empty()) return true;
  const std::string_view space = " \t\r";
  return space.find(s.front()) == std::string_view::npos && space.find(s.back()) == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto metadata = tollgate::parse_listener_metadata(text);
  if (!metadata) {
    FUZZ_CHECK(metadata.error().starts_with("listenerMetadata line "));
    return 0;
  }
  if (metadata->policy) {
    FUZZ_CHECK(!metadata->policy->empty());
    FUZZ_CHECK(trimmed_single_line(*metadata->policy));
  }
  for (const auto& [key, value] : metadata->other) {
    FUZZ_CHECK(!key.empty());
    FUZZ_CHECK(key.find('=') == std::string::npos);
    FUZZ_CHECK(key != "policy" && key != "mode");
    FUZZ_CHECK(trimmed_single_line(key));
    FUZZ_CHECK(trimmed_single_line(value));
  }
  return 0;
}
