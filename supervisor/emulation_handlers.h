// The registry of emulation handlers ("emulate" rules name one). A policy naming a handler that is not
// here fails to load. The handlers themselves (mount, time, reboot, mknod) arrive with the emulation work.
#pragma once

#include <span>
#include <string_view>

namespace tollgate {

std::span<const std::string_view> emulation_handler_names();
bool emulation_handler_exists(std::string_view name);

}  // namespace tollgate
