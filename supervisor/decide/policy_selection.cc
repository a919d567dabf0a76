#include "supervisor/decide/policy_selection.h"

namespace tollgate {
namespace {

std::string_view trim(std::string_view s) {
  const char* space = " \t\r";
  size_t b = s.find_first_not_of(space);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(space);
  return s.substr(b, e - b + 1);
}

}  // namespace

std::expected<ListenerMetadata, std::string> parse_listener_metadata(std::string_view text) {
  ListenerMetadata m;
  std::map<std::string, bool> seen;
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    size_t eol = text.find('\n');
    std::string_view line = trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty() || line.front() == '#') continue;
    const std::string where = "listenerMetadata line " + std::to_string(line_number) + ": ";
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return std::unexpected(where + "expected key=value");
    std::string key(trim(line.substr(0, eq)));
    std::string value(trim(line.substr(eq + 1)));
    if (key.empty()) return std::unexpected(where + "empty key");
    if (seen[key]) return std::unexpected(where + "\"" + key + "\" given twice");
    seen[key] = true;
    if (key == "policy") {
      if (value.empty()) return std::unexpected(where + "empty policy name");
      m.policy = value;
    } else if (key == "mode") {
      auto mode = value.empty() ? std::nullopt : parse_policy_mode(value);
      if (!mode)
        return std::unexpected(where + "mode must be audit, explain, enforce or learn, not \"" + value + "\"");
      m.mode = *mode;
    } else {
      m.other[key] = value;
    }
  }
  return m;
}

PolicySelection select_policy(const ListenerMetadata& metadata,
                              const std::map<std::string, std::string>& annotations,
                              const std::string& default_name) {
  if (metadata.policy) return {*metadata.policy, "listenerMetadata", metadata.mode};
  if (auto a = annotations.find(std::string(kPolicyAnnotation)); a != annotations.end() && !a->second.empty())
    return {a->second, "annotation", metadata.mode};
  return {default_name, "default", metadata.mode};
}

std::expected<std::filesystem::path, std::string> policy_file_name(std::string_view name) {
  const std::string quoted = "policy \"" + std::string(name) + "\"";
  if (name.empty()) return std::unexpected("empty policy name");
  if (name.find('\0') != std::string_view::npos) return std::unexpected(quoted + ": contains a NUL byte");
  std::filesystem::path relative(name);
  if (relative.is_absolute()) return std::unexpected(quoted + ": absolute paths are refused; name a policy");
  for (const auto& part : relative)
    if (part == "..") return std::unexpected(quoted + ": \"..\" is refused; name a policy");
  if (relative.extension() != ".json") relative += ".json";
  return relative;
}

std::expected<std::filesystem::path, std::string> resolve_policy_name(const std::filesystem::path& dir,
                                                                      std::string_view name) {
  namespace fs = std::filesystem;
  const std::string quoted = "policy \"" + std::string(name) + "\"";
  auto named = policy_file_name(name);
  if (!named) return std::unexpected(named.error() + " in " + dir.string());
  const fs::path& relative = *named;

  std::error_code ec;
  const fs::path root = fs::canonical(dir, ec);
  if (ec) return std::unexpected("policy directory " + dir.string() + ": " + ec.message());
  const fs::path file = fs::canonical(root / relative, ec);
  if (ec) return std::unexpected(quoted + ": no such policy in " + root.string());
  // A symlink inside the directory must not lead out of it.
  const fs::path inside = file.lexically_relative(root);
  if (inside.empty() || *inside.begin() == "..")
    return std::unexpected(quoted + ": resolves outside " + root.string() + ", refused");
  if (!fs::is_regular_file(file, ec)) return std::unexpected(quoted + ": not a regular file");
  return file;
}

}  // namespace tollgate
