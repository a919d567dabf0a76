#include "core/json_input.h"

#include <optional>
#include <vector>

namespace tollgate {
namespace {

using json = nlohmann::json;

// Builds the tree with nlohmann's own DOM builder, and keeps track of where it is (for error messages)
// and how deep (to stop before the tree gets too deep).
class BoundedDomBuilder {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  BoundedDomBuilder(json& root, size_t max_depth)
      : dom_(root, /*allow_exceptions=*/false), max_depth_(max_depth) {}

  bool null() { return value() && dom_.null(); }
  bool boolean(bool v) { return value() && dom_.boolean(v); }
  bool number_integer(number_integer_t v) { return value() && dom_.number_integer(v); }
  bool number_unsigned(number_unsigned_t v) { return value() && dom_.number_unsigned(v); }
  bool number_float(number_float_t v, const string_t& s) { return value() && dom_.number_float(v, s); }
  bool string(string_t& v) { return value() && dom_.string(v); }
  bool binary(binary_t& v) { return value() && dom_.binary(v); }
  bool start_object(size_t n) { return value() && open(/*array=*/false) && dom_.start_object(n); }
  bool key(string_t& k) {
    frames_.back().key = k;
    return dom_.key(k);
  }
  bool end_object() {
    frames_.pop_back();
    return dom_.end_object();
  }
  bool start_array(size_t n) { return value() && open(/*array=*/true) && dom_.start_array(n); }
  bool end_array() {
    frames_.pop_back();
    return dom_.end_array();
  }
  bool parse_error(size_t byte, const std::string&, const nlohmann::detail::exception& e) {
    fail(byte, e.what());
    // A syntax error is located by its byte (line and column) alone: the last key read may well be the
    // previous member's. A number out of range is the value of the key being read, which the pointer names.
    if (dynamic_cast<const nlohmann::detail::parse_error*>(&e) != nullptr) error_->pointer.clear();
    return false;
  }

  bool failed() const { return error_.has_value(); }
  JsonInputError error() const { return *error_; }

 private:
  struct Frame {
    bool array = false;
    size_t next_index = 0;
    std::string key;
  };

  // Called before every value: inside an array, the value takes the next index.
  bool value() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().next_index;
    return true;
  }

  bool open(bool array) {
    if (frames_.size() >= max_depth_) {
      fail(std::nullopt, "nested deeper than " + std::to_string(max_depth_) + " levels");
      return false;
    }
    frames_.push_back(Frame{array, 0, {}});
    return true;
  }

  void fail(std::optional<size_t> byte, std::string message) {
    if (error_) return;
    // nlohmann's text starts with "[json.exception.<kind>] "; the kind means nothing to the reader.
    if (auto end = message.find("] "); message.starts_with("[json.exception.") && end != std::string::npos)
      message.erase(0, end + 2);
    error_ = JsonInputError{byte, pointer(), std::move(message)};
  }

  std::string pointer() const {
    std::string p;
    for (const Frame& f : frames_) {
      p += '/';
      if (f.array) {
        p += std::to_string(f.next_index == 0 ? 0 : f.next_index - 1);
        continue;
      }
      for (char c : f.key) {  // RFC 6901 escaping
        if (c == '~') {
          p += "~0";
        } else if (c == '/') {
          p += "~1";
        } else {
          p += c;
        }
      }
    }
    return p;
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  size_t max_depth_;
  std::vector<Frame> frames_;
  std::optional<JsonInputError> error_;
};

}  // namespace

std::string JsonInputError::describe() const {
  constexpr size_t kMaxPointerShown = 200;
  std::string where =
      pointer.size() > kMaxPointerShown ? pointer.substr(0, kMaxPointerShown) + "..." : pointer;
  std::string s;
  if (byte) s = "at byte " + std::to_string(*byte);
  if (!where.empty()) s += (s.empty() ? "at " : " (") + where + (s.empty() ? "" : ")");
  return s.empty() ? message : s + ": " + message;
}

std::expected<nlohmann::json, JsonInputError> parse_json_input(std::string_view text, size_t max_depth) {
  json root;
  BoundedDomBuilder builder(root, max_depth);
  bool ok = false;
  try {
    ok = json::sax_parse(text, &builder, json::input_format_t::json, /*strict=*/true);
  } catch (const json::exception& e) {  // the DOM builder's own size checks; never let one escape
    return std::unexpected(JsonInputError{0, "", e.what()});
  }
  if (builder.failed()) return std::unexpected(builder.error());
  if (!ok) return std::unexpected(JsonInputError{text.size(), "", "not a complete JSON document"});
  return root;
}

}  // namespace tollgate
