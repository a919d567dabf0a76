// What a keeper that systemd starts again needs besides the stored fds themselves: the record of each kept
// listener's admission, and the last daemon generation (so that listener keys and in-flight record ids never
// repeat). It is an append-only log of JSON lines in a memfd that the fd store holds
// (service_manager_link.h): appending is one write, and a keeper killed in the middle of one leaves a torn
// last line, which is ignored. When lines that no longer count outweigh the live ones, the keeper writes a
// compacted log under the next number and drops the old one.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "tollgate/unique_fd.h"

namespace tollgate {

class KeptStateLog {
 public:
  struct Contents {
    uint64_t generation = 0;
    std::map<uint64_t, nlohmann::json> records;  // by listener key
  };

  // A new log numbered `number` (stored as stored_state_name(number)) holding `contents`.
  static std::expected<KeptStateLog, std::string> create(uint64_t number, const Contents& contents);
  // A log the service manager handed back, and what it holds; lines that are not the log's own are
  // skipped.
  static std::expected<std::pair<KeptStateLog, Contents>, std::string> adopt(UniqueFd fd, uint64_t number);

  void set_generation(uint64_t generation);
  void keep(uint64_t key, const nlohmann::json& record);
  void forget(uint64_t key);
  // Dead lines outweigh live ones (and there are enough of them to be worth a rewrite).
  bool wants_compaction() const;
  // Below this many bytes a log is never rewritten (tests lower it).
  void set_compaction_floor(size_t bytes) { compaction_floor_ = bytes; }

  int fd() const { return fd_.get(); }
  uint64_t number() const { return number_; }

 private:
  KeptStateLog(UniqueFd fd, uint64_t number) : fd_(std::move(fd)), number_(number) {}
  void append(const nlohmann::json& line, uint64_t key = 0);

  UniqueFd fd_;
  uint64_t number_;
  size_t compaction_floor_ = size_t{4} << 20;
  size_t written_ = 0;
  size_t live_bytes_ = 0;
  std::map<uint64_t, size_t> live_;  // each kept listener's line length
};

}  // namespace tollgate
