// The reports of containers audited or learned through the runtime shim, kept by the daemon for
// `tollgate ctl report ID` and written as files into the report directory. Memory is bounded: at most
// `max_reports` are kept, each of at most `max_report_bytes` (a larger one keeps only its text, and says so);
// past the limit the oldest report of whoever (runtime uid) holds the most is dropped, so a peer that runs
// many containers only ever pushes out its own. Files stay on disk when a report is dropped from memory.
// Thread-safe: a container's last listener may be released on an emulation worker.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <deque>
#include <expected>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/diagnose/container_report.h"
#include "supervisor/diagnose/report_directory.h"

namespace tollgate {

struct ReportLimits {
  size_t max_reports = 64;
  size_t max_report_bytes = size_t{1} << 20;
};

class ContainerReports {
 public:
  // Without a directory, reports are kept in memory only.
  ContainerReports(ReportLimits limits, std::optional<ReportDirectory> directory);

  // Keeps the report (replacing an earlier one of the same container and owner) and writes its files.
  void add(ContainerReport report, uid_t owner);
  // The newest report of that container: container_report_json plus "owner_uid" and "files". Error: a
  // message for the person asking.
  std::expected<nlohmann::json, std::string> find(const std::string& container_id) const;
  size_t size() const;

 private:
  struct Kept {
    uid_t owner;
    nlohmann::json body;
  };
  std::vector<std::string> write_files(const ContainerReport& report, uid_t owner);
  void drop_one();

  const ReportLimits limits_;
  std::mutex files_mutex_;  // directory_'s: its writer, and its opening on first use
  std::optional<ReportDirectory> directory_;
  mutable std::mutex mutex_;  // kept_ and dropped_
  std::deque<Kept> kept_;  // oldest first
  uint64_t dropped_ = 0;
};

}  // namespace tollgate
