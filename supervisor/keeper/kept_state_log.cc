#include "supervisor/keeper/kept_state_log.h"

#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/file_text.h"

namespace tollgate {
namespace {

std::string serialize(const nlohmann::json& line) {
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

uint64_t unsigned_field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

}  // namespace

std::expected<KeptStateLog, std::string> KeptStateLog::create(uint64_t number, const Contents& contents) {
  UniqueFd fd(memfd_create("tollgate-keeper-state", MFD_CLOEXEC));
  if (!fd) return std::unexpected(std::string("memfd_create: ") + std::strerror(errno));
  KeptStateLog log(std::move(fd), number);
  log.set_generation(contents.generation);
  for (const auto& [key, record] : contents.records) log.keep(key, record);
  return log;
}

std::expected<std::pair<KeptStateLog, KeptStateLog::Contents>, std::string> KeptStateLog::adopt(
    UniqueFd fd, uint64_t number) {
  if (lseek(fd.get(), 0, SEEK_SET) != 0)
    return std::unexpected(std::string("lseek: ") + std::strerror(errno));
  auto read = read_to_end(fd.get());
  if (!read) return std::unexpected(std::string("reading: ") + std::strerror(read.error()));
  const std::string& text = *read;
  Contents contents;
  size_t start = 0, end;
  // Only whole lines: a torn last one was never acknowledged to anybody.
  while ((end = text.find('\n', start)) != std::string::npos) {
    const auto line = nlohmann::json::parse(text.begin() + static_cast<ptrdiff_t>(start),
                                            text.begin() + static_cast<ptrdiff_t>(end), nullptr, false);
    start = end + 1;
    if (!line.is_object()) continue;
    if (line.contains("generation")) {
      contents.generation = std::max(contents.generation, unsigned_field(line, "generation"));
    } else if (const uint64_t key = unsigned_field(line, "keep"); key != 0 && line.contains("record")) {
      contents.records[key] = line["record"];
    } else if (const uint64_t gone = unsigned_field(line, "forget"); gone != 0) {
      contents.records.erase(gone);
    }
  }
  // Appends go after the last whole line; a torn one is overwritten.
  if (ftruncate(fd.get(), static_cast<off_t>(start)) != 0 ||
      lseek(fd.get(), static_cast<off_t>(start), SEEK_SET) != static_cast<off_t>(start))
    return std::unexpected(std::string("truncating: ") + std::strerror(errno));
  KeptStateLog log(std::move(fd), number);
  log.written_ = start;
  for (const auto& [key, record] : contents.records) {
    const size_t size = serialize({{"keep", key}, {"record", record}}).size();
    log.live_[key] = size;
    log.live_bytes_ += size;
  }
  return std::pair{std::move(log), std::move(contents)};
}

void KeptStateLog::append(const nlohmann::json& line, uint64_t key) {
  const std::string text = serialize(line);
  if (auto written = write_all(fd_.get(), text); !written) {
    spdlog::error("keeper: writing its state for the service manager: {}", std::strerror(written.error()));
    return;
  }
  written_ += text.size();
  if (key != 0) {
    live_bytes_ += text.size();
    live_[key] = text.size();
  }
}

void KeptStateLog::set_generation(uint64_t generation) {
  append({{"generation", generation}});
}

void KeptStateLog::keep(uint64_t key, const nlohmann::json& record) {
  if (auto it = live_.find(key); it != live_.end()) {
    live_bytes_ -= it->second;
    live_.erase(it);
  }
  append({{"keep", key}, {"record", record}}, key);
}

void KeptStateLog::forget(uint64_t key) {
  auto it = live_.find(key);
  if (it == live_.end()) return;
  live_bytes_ -= it->second;
  live_.erase(it);
  append({{"forget", key}});
}

bool KeptStateLog::wants_compaction() const {
  return written_ > compaction_floor_ && written_ > 2 * live_bytes_;
}

}  // namespace tollgate
