#include "supervisor/diagnose/container_reports.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "core/json_output.h"

namespace tollgate {

ContainerReports::ContainerReports(ReportLimits limits, std::optional<ReportDirectory> directory)
    : limits_(limits), directory_(std::move(directory)) {}

std::vector<std::string> ContainerReports::write_files(const ContainerReport& report, uid_t owner) {
  std::vector<std::string> written;
  std::lock_guard lock(files_mutex_);
  if (!directory_) return written;
  const std::string stem = report_file_stem(report.container_id, owner);
  const std::string mode(to_string(report.mode));
  auto write = [&](const std::string& name, const std::string& content) {
    if (auto w = directory_->write(name, content); !w) {
      spdlog::error("container {}: {}", report.container_id, w.error());
      return;
    }
    written.push_back((directory_->path() / name).string());
  };
  write(stem + "." + mode + "-report.json", json_text(report.report, 2) + "\n");
  if (report.profile)
    write(stem + (report.mode == PolicyMode::Learn ? ".learned-profile.json" : ".suggested-profile.json"),
          json_text(*report.profile, 2) + "\n");
  return written;
}

void ContainerReports::add(ContainerReport report, uid_t owner) {
  nlohmann::json body = container_report_json(report);
  body["owner_uid"] = owner;
  const std::vector<std::string> files = write_files(report, owner);
  body["files"] = files;
  const size_t bytes = json_text(body).size();
  if (bytes > limits_.max_report_bytes) {
    body["report"] = nullptr;
    body["profile"] = nullptr;
    body["truncated"] = "the report (" + std::to_string(bytes) + " bytes) is larger than the daemon keeps in memory (" +
                        std::to_string(limits_.max_report_bytes) + "); its files have all of it";
  }
  for (const std::string& file : files) spdlog::info("container {}: wrote {}", report.container_id, file);
  std::lock_guard lock(mutex_);
  std::erase_if(kept_, [&](const Kept& k) { return k.owner == owner && k.body["container"] == report.container_id; });
  kept_.push_back({owner, std::move(body)});
  while (kept_.size() > limits_.max_reports) drop_one();
}

// The oldest report of the owner with the most.
void ContainerReports::drop_one() {
  std::map<uid_t, size_t> per_owner;
  for (const Kept& k : kept_) ++per_owner[k.owner];
  const uid_t biggest =
      std::max_element(per_owner.begin(), per_owner.end(), [](const auto& a, const auto& b) { return a.second < b.second; })
          ->first;
  auto oldest = std::find_if(kept_.begin(), kept_.end(), [&](const Kept& k) { return k.owner == biggest; });
  ++dropped_;
  spdlog::warn("container {}: report dropped from memory (at most {} are kept{}){}", oldest->body["container"].get<std::string>(),
               limits_.max_reports, ", oldest of the runtime that has the most",
               directory_ ? "; its files stay in " + directory_->path().string() : "");
  kept_.erase(oldest);
}

std::expected<nlohmann::json, std::string> ContainerReports::find(const std::string& container_id) const {
  std::lock_guard lock(mutex_);
  for (auto it = kept_.rbegin(); it != kept_.rend(); ++it)
    if (it->body["container"] == container_id) return it->body;
  std::string message = "no report for container \"" + container_id.substr(0, 256) +
                        "\": reports are made for containers in audit or learn mode when their last process exits";
  if (dropped_ > 0)
    message += "; " + std::to_string(dropped_) + " older report" + (dropped_ == 1 ? " was" : "s were") +
               " dropped from memory (at most " + std::to_string(limits_.max_reports) + " are kept)" +
               (directory_ ? ", their files are in " + directory_->path().string() : "");
  return std::unexpected(message);
}

size_t ContainerReports::size() const {
  std::lock_guard lock(mutex_);
  return kept_.size();
}

}  // namespace tollgate
