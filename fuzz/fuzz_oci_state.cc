// What an OCI runtime sends to `linux.seccomp.listenerPath` (core/oci_state.h), taken the way the handover
// server takes it: JSON, then the OCI state, then the listenerMetadata it carries and the policy it selects.
// Any bytes give a container or an error, never a crash or an exception.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/oci_state.h"
#include "fuzz/fuzz_check.h"
#include "supervisor/decide/policy_selection.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json message = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded() || !tollgate::is_oci_message(message)) return 0;
  auto state = tollgate::parse_oci_process_state(message);
  if (!state) {
    FUZZ_CHECK(!state.error().empty());
    return 0;
  }
  // The container id goes into log lines: never empty, never a control character.
  FUZZ_CHECK(!state->state.id.empty());
  for (unsigned char c : state->state.id) FUZZ_CHECK(c >= 0x20 && c != 0x7f);
  if (auto index = state->seccomp_fd_index()) FUZZ_CHECK(*index < state->fds.size());
  auto metadata = tollgate::parse_listener_metadata(state->metadata);
  if (!metadata) return 0;
  const auto selection = tollgate::select_policy(*metadata, state->state.annotations, "default.json");
  FUZZ_CHECK(!selection.name.empty());
  return 0;
}
