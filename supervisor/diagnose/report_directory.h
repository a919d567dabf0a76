// Where the daemon writes containers' reports as files (`tollgate supervise --report-dir`). The directory is
// opened once at start; every file is created inside it by a name made here from the container id, never
// by a path anything a peer sent could name: the id is reduced to a safe stem (see report_file_stem), and
// files are written beside their final name and renamed, so a reader never sees half a report.
#pragma once

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

#include "tollgate/unique_fd.h"

namespace tollgate {

// A file name stem for a container id: letters, digits, '.', '_' and '-' are kept, anything else (a '/', a
// NUL, non-ASCII) becomes '_'; at most 100 of them; an id that had to be changed this way (or starts with a
// '.', so "." and ".." too) gets '-' and a hash of the whole id appended, so two ids never share a stem.
// Containers of a runtime other than root's (`--allow-uid`) are prefixed "uidN-": a user's container cannot
// overwrite root's report by taking its id.
std::string report_file_stem(std::string_view container_id, uid_t owner);

// Not thread-safe: one writer at a time.
class ReportDirectory {
 public:
  // Opened now: created (mode 0700, parents as needed) when it is missing. Error: a message naming it.
  static std::expected<ReportDirectory, std::string> open(const std::filesystem::path& dir);
  // Opened (and created) by the first write: a default that daemons which never see an audited container
  // should not create.
  static ReportDirectory when_first_written(const std::filesystem::path& dir);

  // Writes `content` as DIR/name (a single file name from report_file_stem, never a path), mode 0600,
  // replacing an earlier file of that name. Error: a message naming the file.
  std::expected<void, std::string> write(const std::string& name, std::string_view content);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::expected<void, std::string> ensure_open();

  std::filesystem::path path_;
  UniqueFd fd_;
};

}  // namespace tollgate
