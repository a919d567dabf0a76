#include "supervisor/emulation_handlers.h"

#include <algorithm>

namespace tollgate {

std::span<const std::string_view> emulation_handler_names() { return {}; }

bool emulation_handler_exists(std::string_view name) {
  auto names = emulation_handler_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace tollgate
