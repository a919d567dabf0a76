#include "supervisor/emulation/emulation_handlers.h"

#include <algorithm>
#include <array>

namespace tollgate {
namespace {

struct Entry {
  std::string_view name;
  HandlerFactory make;
};

// Sorted by name.
constexpr std::array kHandlers = {
    Entry{"mknod", &make_mknod_handler},   Entry{"mount", &make_mount_handler},
    Entry{"reboot", &make_reboot_handler}, Entry{"time", &make_time_handler},
    Entry{"umount", &make_umount_handler},
};
constexpr std::array<std::string_view, kHandlers.size()> kNames = [] {
  std::array<std::string_view, kHandlers.size()> n{};
  for (size_t i = 0; i < kHandlers.size(); ++i) n[i] = kHandlers[i].name;
  return n;
}();
static_assert(std::ranges::is_sorted(kNames), "keep the handler table sorted");

}  // namespace

std::span<const std::string_view> emulation_handler_names() {
  return kNames;
}

bool emulation_handler_exists(std::string_view name) {
  return std::ranges::binary_search(kNames, name);
}

std::expected<HandlerPtr, HandlerOptionError> make_emulation_handler(std::string_view name,
                                                                     const nlohmann::json& options) {
  for (const Entry& e : kHandlers)
    if (e.name == name) return e.make(options.is_null() ? nlohmann::json::object() : options);
  return std::unexpected(HandlerOptionError{"", "unknown emulation handler"});
}

}  // namespace tollgate
