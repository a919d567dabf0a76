// Tells when one JSON object sent on a stream is complete, without parsing it. runc 1.1.5 never closes its
// connection to listenerPath while `runc run` or `runc exec` runs (it sends on a dup and leaves the original
// open), so the end of an OCI message is the closing brace of its top-level object, not EOF.
#pragma once

#include <cstddef>
#include <string_view>

namespace tollgate {

class JsonMessageBoundary {
 public:
  // Scans the next bytes of the stream. Returns true once the top-level object has closed; bytes after it
  // are not looked at. Linear in the input, constant memory: a hostile peer cannot make it expensive.
  bool feed(std::string_view bytes);
  bool complete() const { return complete_; }
  // An object began and has not closed: at EOF, the peer stopped in the middle of its message.
  bool inside_object() const { return started_ && !complete_; }

 private:
  size_t depth_ = 0;
  bool started_ = false;
  bool not_an_object_ = false;  // leading non-whitespace that is not '{': only EOF ends such a message
  bool in_string_ = false;
  bool escaped_ = false;
  bool complete_ = false;
};

}  // namespace tollgate
