#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tollgate {

// "EPERM" -> 1. Accepts any name glibc knows.
std::optional<int> errno_from_name(std::string_view name);
// 1 -> "EPERM"; unknown numbers render as the number.
std::string errno_name(int value);

}  // namespace tollgate
