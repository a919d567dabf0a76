#include "supervisor/diagnose/report_directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tollgate {
namespace {

constexpr size_t kMaxStemChars = 100;

bool safe_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

// FNV-1a: stable across runs and builds, so a container's files keep their names.
uint64_t fnv1a(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

std::string report_file_stem(std::string_view id, uid_t owner) {
  std::string stem;
  bool changed = id.empty() || id.front() == '.' || id.size() > kMaxStemChars;
  for (char c : id.substr(0, kMaxStemChars)) {
    stem += safe_char(c) ? c : '_';
    changed = changed || !safe_char(c);
  }
  if (!stem.empty() && stem.front() == '.') stem.front() = '_';  // no hidden files, no "." or ".."
  if (changed) {
    char hash[24];
    std::snprintf(hash, sizeof hash, "-%016llx", static_cast<unsigned long long>(fnv1a(id)));
    stem += hash;
  }
  if (owner != 0) stem = "uid" + std::to_string(owner) + "-" + stem;
  return stem;
}

std::expected<ReportDirectory, std::string> ReportDirectory::open(const std::filesystem::path& dir) {
  ReportDirectory out = when_first_written(dir);
  if (auto opened = out.ensure_open(); !opened) return std::unexpected(opened.error());
  return out;
}

ReportDirectory ReportDirectory::when_first_written(const std::filesystem::path& dir) {
  ReportDirectory out;
  out.path_ = dir;
  return out;
}

std::expected<void, std::string> ReportDirectory::ensure_open() {
  if (fd_) return {};
  std::error_code ec;
  if (!std::filesystem::is_directory(path_, ec)) {
    std::filesystem::create_directories(path_, ec);
    if (ec) return std::unexpected("report directory " + path_.string() + ": " + ec.message());
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
  }
  fd_ = UniqueFd(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd_) return std::unexpected("report directory " + path_.string() + ": " + errno_text());
  return {};
}

std::expected<void, std::string> ReportDirectory::write(const std::string& name, std::string_view content) {
  const std::string where = (path_ / name).string();
  if (name.empty() || name.find('/') != std::string::npos || name.front() == '.')
    return std::unexpected("refused report file name \"" + name + "\"");
  if (auto opened = ensure_open(); !opened) return opened;
  const std::string temp = "." + name + ".partial";
  UniqueFd fd(::openat(fd_.get(), temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return std::unexpected("cannot write " + where + ": " + errno_text());
  auto discard = [&](const std::string& what) -> std::expected<void, std::string> {
    const std::string message = what + " " + where + ": " + errno_text();
    ::unlinkat(fd_.get(), temp.c_str(), 0);
    return std::unexpected(message);
  };
  while (!content.empty()) {
    const ssize_t n = ::write(fd.get(), content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return discard("cannot write");
    content.remove_prefix(static_cast<size_t>(n));
  }
  fd.reset();
  if (::renameat(fd_.get(), temp.c_str(), fd_.get(), name.c_str()) != 0) return discard("cannot replace");
  return {};
}

}  // namespace tollgate
