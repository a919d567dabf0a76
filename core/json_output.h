// JSON text for anything that may carry bytes from outside: paths and argv read from targets, parse errors
// that quote a file. nlohmann's default dump() throws on bytes that are not UTF-8, which would abort the
// daemon (or a reply half-way); here such bytes become U+FFFD. Use this for every dump().
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace tollgate {

// For nlohmann::json and nlohmann::ordered_json alike.
template <typename Json>
std::string json_text(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

}  // namespace tollgate
