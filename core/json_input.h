// JSON that comes from outside the daemon (peers on its sockets, policy files, the learned-rules file) is
// parsed here and nowhere else. The limits are checked while the tree is built, so a hostile document never
// becomes a tree deep enough to overflow the stack in a recursive copy, dump or destructor; and every
// failure (bad syntax, a number out of range, too deep) is a value naming where it happened, never an
// exception escaping into the caller.
#pragma once

#include <cstddef>
#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate {

// Real policies and OCI states nest less than 10 levels; this leaves room and still bounds the recursion
// of every later walk over the tree to a few KiB of stack.
inline constexpr size_t kMaxJsonDepth = 256;

struct JsonInputError {
  std::optional<size_t> byte;  // offset into the text where parsing stopped, when the parser said
  std::string pointer;         // JSON pointer of the value being read ("" for the top level)
  std::string message;         // what was wrong, without position

  // "at byte N (/pointer): message", for logs and replies. Long pointers are shortened.
  std::string describe() const;
};

// One JSON document; trailing whitespace only.
std::expected<nlohmann::json, JsonInputError> parse_json_input(std::string_view text,
                                                               size_t max_depth = kMaxJsonDepth);

}  // namespace tollgate
