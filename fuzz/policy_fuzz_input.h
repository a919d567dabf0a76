// Shared by the two policy harnesses: one policy file's text through the parser with the options the
// daemon uses (the real emulation handlers judge "emulate" rules and their options).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/policy_parser.h"
#include "fuzz/fuzz_check.h"
#include "supervisor/decide/policy_source.h"

namespace tollgate {

inline void parse_policy_input(const uint8_t* data, size_t size, PolicyFlavor flavor) {
  static const PolicyParseOptions options = parse_options_for(flavor);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto policy = parse_policy_text(text, "fuzz.json", options);
  if (!policy) {
    // Errors are shown to people: they always say something, and name the file.
    FUZZ_CHECK(!policy.error().message.empty());
    FUZZ_CHECK(policy.error().to_string().find("fuzz.json") != std::string::npos);
    return;
  }
  FUZZ_CHECK(*policy != nullptr);
}

}  // namespace tollgate
