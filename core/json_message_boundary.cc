#include "core/json_message_boundary.h"

namespace tollgate {

bool JsonMessageBoundary::feed(std::string_view bytes) {
  for (char c : bytes) {
    if (complete_ || not_an_object_) break;
    if (!started_) {
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
      if (c != '{') {
        not_an_object_ = true;
        break;
      }
      started_ = true;
      depth_ = 1;
      continue;
    }
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string_ = true;
        break;
      case '{':
      case '[':
        ++depth_;
        break;
      case '}':
      case ']':
        if (--depth_ == 0) complete_ = true;
        break;
      default:
        break;
    }
  }
  return complete_;
}

}  // namespace tollgate
