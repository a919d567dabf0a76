#include "shim/command_only_files.h"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "core/install_paths.h"
#include "shim/atomic_file.h"

namespace tollgate {
namespace {

bool is_container_id(std::string_view id) {
  if (id.empty() || id.front() == '.') return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' || c == '.'))
      return false;
  return true;
}

// Two engines may use one id under different --root directories: the root is part of the name, hashed
// (FNV-1a) so that any path fits in one file name.
std::string root_tag(const std::optional<std::string>& root) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : root.value_or("")) hash = (hash ^ c) * 0x100000001b3ULL;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

}  // namespace

std::expected<std::string, std::string> command_only_filter_path(const RuntimeConfig& config,
                                                                 const std::optional<std::string>& root,
                                                                 const std::string& id) {
  if (!is_container_id(id))
    return std::unexpected("\"" + id + "\" is not a container id (letters, digits, _ + - . only)");
  const std::filesystem::path dir =
      config.command_only_dir ? std::filesystem::path(*config.command_only_dir) : runtime_dir() / "command-only";
  return (dir / (root_tag(root) + "-" + id + ".bpf")).string();
}

std::expected<void, std::string> write_command_only_filter(const std::string& path,
                                                           const std::vector<sock_filter>& program) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return std::unexpected("cannot create " + dir.string() + ": " + error.message());
  const std::string_view bytes(reinterpret_cast<const char*>(program.data()), program.size() * sizeof(sock_filter));
  return replace_file_atomically(path, bytes, 0444);
}

std::expected<void, std::string> remove_command_only_filter(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return {};
  return std::unexpected("cannot remove " + path + ": " + std::strerror(errno));
}

}  // namespace tollgate
