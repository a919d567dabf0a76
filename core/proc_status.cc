#include "core/proc_status.h"

#include <errno.h>

#include <algorithm>
#include <charconv>
#include <string>

#include "core/file_text.h"
#include "core/host_dirs.h"

namespace tollgate {
namespace {

std::optional<uint64_t> parse_number(std::string_view s, int base) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc{} || end == s.data()) return std::nullopt;
  return v;
}

}  // namespace

std::expected<ProcStatus, int> ProcStatus::of(pid_t pid) {
  // Through our own /proc: an emulation worker may be inside a container's root.
  const std::string path = std::to_string(pid) + "/status";
  auto text = read_file_at(host_proc(), path.c_str());
  if (!text) return std::unexpected(text.error() == ENOENT ? ESRCH : text.error());
  if (text->empty()) return std::unexpected(ESRCH);  // the process became a zombie and was reaped
  return ProcStatus(std::move(*text));
}

std::expected<ProcStatus, int> ProcStatus::of_self() {
  auto text = read_file_at(host_proc(), "self/status");
  if (!text) return std::unexpected(text.error());
  return ProcStatus(std::move(*text));
}

std::optional<std::string_view> ProcStatus::field(std::string_view key) const {
  std::string_view all(text_);
  for (size_t line = 0; line < all.size();) {
    size_t end = all.find('\n', line);
    if (end == std::string_view::npos) end = all.size();
    std::string_view text = all.substr(line, end - line);
    if (text.size() > key.size() && text.starts_with(key) && text[key.size()] == ':') {
      std::string_view value = text.substr(key.size() + 1);
      value.remove_prefix(std::min(value.find_first_not_of(" \t"), value.size()));
      return value;
    }
    line = end + 1;
  }
  return std::nullopt;
}

std::optional<uint64_t> ProcStatus::mask(std::string_view key) const {
  auto value = field(key);
  return value ? parse_number(*value, 16) : std::nullopt;
}

std::optional<uint64_t> ProcStatus::number(std::string_view key, int base) const {
  auto value = field(key);
  return value ? parse_number(*value, base) : std::nullopt;
}

std::optional<std::array<uint32_t, 4>> ProcStatus::ids(std::string_view key) const {
  auto value = field(key);
  if (!value) return std::nullopt;
  std::array<uint32_t, 4> out{};
  std::string_view rest = *value;
  for (uint32_t& id : out) {
    rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), id);
    if (ec != std::errc{}) return std::nullopt;
    rest.remove_prefix(static_cast<size_t>(end - rest.data()));
  }
  return out;
}

}  // namespace tollgate
