// Reading a handler's "options" object strictly: unknown keys and wrong types are errors that name the
// JSON pointer (relative to "options"). Handlers throw nothing; the first error is kept.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/emulation/emulation_handler.h"

namespace tollgate {

class HandlerOptionReader {
 public:
  HandlerOptionReader(const nlohmann::json& options, std::initializer_list<std::string_view> known);

  std::optional<std::string> string(const std::string& key,
                                    std::initializer_list<std::string_view> allowed = {});
  std::optional<double> number(const std::string& key, double min, double max);
  std::optional<bool> boolean(const std::string& key);
  std::vector<std::string> strings(const std::string& key,
                                   std::initializer_list<std::string_view> allowed = {});
  // An object of string arrays ({"tmpfs": ["size=*"]}).
  std::vector<std::pair<std::string, std::vector<std::string>>> string_lists(const std::string& key);
  bool has(const std::string& key) const { return options_.contains(key); }

  void fail(const std::string& pointer, const std::string& message) {
    if (!error_) error_ = HandlerOptionError{pointer, message};
  }
  const std::optional<HandlerOptionError>& error() const { return error_; }

 private:
  const nlohmann::json& options_;
  std::optional<HandlerOptionError> error_;
};

}  // namespace tollgate
