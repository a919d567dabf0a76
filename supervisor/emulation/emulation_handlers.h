// The registry of emulation handlers ("emulate" rules name one). A policy naming a handler that is not
// here, or giving it options it refuses, fails to load.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string_view>

#include "supervisor/emulation/emulation_handler.h"

namespace tollgate {

std::span<const std::string_view> emulation_handler_names();
bool emulation_handler_exists(std::string_view name);
// Builds the handler for a rule. Error: what is wrong with the options (or an unknown name).
std::expected<HandlerPtr, HandlerOptionError> make_emulation_handler(std::string_view name,
                                                                     const nlohmann::json& options);

// One factory per handler file.
std::expected<HandlerPtr, HandlerOptionError> make_time_handler(const nlohmann::json& options);
std::expected<HandlerPtr, HandlerOptionError> make_reboot_handler(const nlohmann::json& options);
std::expected<HandlerPtr, HandlerOptionError> make_mknod_handler(const nlohmann::json& options);
std::expected<HandlerPtr, HandlerOptionError> make_mount_handler(const nlohmann::json& options);
std::expected<HandlerPtr, HandlerOptionError> make_umount_handler(const nlohmann::json& options);

}  // namespace tollgate
