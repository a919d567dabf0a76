#include "supervisor/emulation/handler_options.h"

#include <algorithm>

namespace tollgate {
namespace {

std::string one_of(std::initializer_list<std::string_view> allowed) {
  std::string s;
  for (auto a : allowed) s += (s.empty() ? "" : ", ") + std::string("\"") + std::string(a) + "\"";
  return s;
}

bool listed(std::initializer_list<std::string_view> allowed, const std::string& value) {
  return allowed.size() == 0 || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

}  // namespace

HandlerOptionReader::HandlerOptionReader(const nlohmann::json& options,
                                         std::initializer_list<std::string_view> known)
    : options_(options) {
  if (!options_.is_object()) {
    fail("", "expected an object");
    return;
  }
  for (const auto& [key, _] : options_.items())
    if (!listed(known, key)) fail("/" + key, "unknown option (expected one of " + one_of(known) + ")");
}

std::optional<std::string> HandlerOptionReader::string(const std::string& key,
                                                       std::initializer_list<std::string_view> allowed) {
  if (!options_.is_object() || !options_.contains(key)) return std::nullopt;
  const auto& v = options_[key];
  if (!v.is_string()) {
    fail("/" + key, "expected a string");
    return std::nullopt;
  }
  auto s = v.get<std::string>();
  if (!listed(allowed, s)) {
    fail("/" + key, "unknown value \"" + s + "\" (expected " + one_of(allowed) + ")");
    return std::nullopt;
  }
  return s;
}

std::optional<double> HandlerOptionReader::number(const std::string& key, double min, double max) {
  if (!options_.is_object() || !options_.contains(key)) return std::nullopt;
  const auto& v = options_[key];
  if (!v.is_number() || v.get<double>() < min || v.get<double>() > max) {
    fail("/" + key, "expected a number from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return v.get<double>();
}

std::optional<bool> HandlerOptionReader::boolean(const std::string& key) {
  if (!options_.is_object() || !options_.contains(key)) return std::nullopt;
  if (!options_[key].is_boolean()) {
    fail("/" + key, "expected true or false");
    return std::nullopt;
  }
  return options_[key].get<bool>();
}

std::vector<std::string> HandlerOptionReader::strings(const std::string& key,
                                                      std::initializer_list<std::string_view> allowed) {
  std::vector<std::string> out;
  if (!options_.is_object() || !options_.contains(key)) return out;
  const auto& v = options_[key];
  if (!v.is_array()) {
    fail("/" + key, "expected an array of strings");
    return out;
  }
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string ptr = "/" + key + "/" + std::to_string(i);
    if (!v[i].is_string() || v[i].get<std::string>().empty()) {
      fail(ptr, "expected a non-empty string");
      continue;
    }
    auto s = v[i].get<std::string>();
    if (!listed(allowed, s)) fail(ptr, "unknown value \"" + s + "\" (expected " + one_of(allowed) + ")");
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::pair<std::string, std::vector<std::string>>> HandlerOptionReader::string_lists(
    const std::string& key) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  if (!options_.is_object() || !options_.contains(key)) return out;
  const auto& v = options_[key];
  if (!v.is_object()) {
    fail("/" + key, "expected an object of string arrays");
    return out;
  }
  for (const auto& [name, list] : v.items()) {
    const std::string ptr = "/" + key + "/" + name;
    std::vector<std::string> items;
    if (!list.is_array()) {
      fail(ptr, "expected an array of strings");
      continue;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string()) {
        fail(ptr + "/" + std::to_string(i), "expected a string");
        continue;
      }
      items.push_back(list[i].get<std::string>());
    }
    out.emplace_back(name, std::move(items));
  }
  return out;
}

}  // namespace tollgate
