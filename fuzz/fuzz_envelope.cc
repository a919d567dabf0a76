// The handover envelope (include/tollgate/envelope.h), as a local agent sends it to `tollgate supervise`.
// Any bytes: parse_envelope answers with an envelope or an error, never a crash or an exception. An accepted
// envelope survives serialize_envelope and parses back to the same envelope, since `tollgate run` and the
// daemon rely on that round trip.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "tollgate/envelope.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto envelope = tollgate::parse_envelope(text);
  if (!envelope) {
    FUZZ_CHECK(!envelope.error().empty());
    return 0;
  }
  auto again = tollgate::parse_envelope(tollgate::serialize_envelope(*envelope));
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->pid == envelope->pid);
  FUZZ_CHECK(again->argv == envelope->argv);
  FUZZ_CHECK(again->policy_name == envelope->policy_name);
  FUZZ_CHECK(again->policy_flavor == envelope->policy_flavor);
  FUZZ_CHECK(again->policy_document == envelope->policy_document);
  FUZZ_CHECK(again->metadata == envelope->metadata);
  return 0;
}
