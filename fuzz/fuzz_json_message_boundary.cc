// Where one OCI message ends on a stream that stays open (core/json_message_boundary.h). Checked against
// the JSON parser: a complete JSON object is found to end exactly at its closing brace, and how the bytes
// are split into reads never changes where the end is found.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "core/json_message_boundary.h"
#include "fuzz/fuzz_check.h"

namespace {

// How many bytes are consumed when the boundary first reports the object complete, feeding in reads of
// `chunk` bytes (the last read may be shorter); nullopt when it never does.
std::optional<size_t> end_of_message(std::string_view text, size_t chunk) {
  tollgate::JsonMessageBoundary boundary;
  for (size_t at = 0; at < text.size(); at += chunk) {
    const std::string_view read = text.substr(at, chunk);
    if (!boundary.feed(read)) continue;
    // Within this read, find the byte that completed it by replaying the read one byte at a time.
    tollgate::JsonMessageBoundary replay;
    replay.feed(text.substr(0, at));
    for (size_t i = 0; i < read.size(); ++i)
      if (replay.feed(read.substr(i, 1))) return at + i + 1;
    FUZZ_CHECK(false);  // the whole read completed it, its bytes one by one must too
  }
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the read size, the rest is the stream.
  const size_t chunk = 1 + data[0] % 64;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  const std::optional<size_t> whole = end_of_message(text, text.size() == 0 ? 1 : text.size());
  FUZZ_CHECK(end_of_message(text, chunk) == whole);
  FUZZ_CHECK(end_of_message(text, 1) == whole);

  // The JSON parser also skips a leading UTF-8 byte order mark; runtimes never send one, and the boundary
  // treats it as "not an object" (the message then ends at EOF), so such texts are not compared.
  if (text.starts_with("\xEF\xBB\xBF")) return 0;
  // nlohmann's parser also takes a NUL byte for the end of its input, so it accepts "{...} \0 anything";
  // the boundary ends such a message at its object, as it should. Texts with a NUL are not compared.
  if (text.find('\0') != std::string_view::npos) return 0;
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_discarded() && parsed.is_object()) {
    const size_t last = text.find_last_not_of(" \t\r\n");
    FUZZ_CHECK(whole.has_value());
    FUZZ_CHECK(*whole == last + 1);
  }
  return 0;
}
