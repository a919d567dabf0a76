// Whether bytes from outside (a path read from a target, an argv entry) are well-formed UTF-8, for the places
// that must keep such bytes exactly and so cannot let JSON output replace them.
#pragma once

#include <string_view>

namespace tollgate {

// RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF.
bool is_utf8(std::string_view bytes);

}  // namespace tollgate
