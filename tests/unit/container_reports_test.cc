// The daemon's containers' reports: file names made from container ids, the bounds on what is kept, and the
// files written.
#include "supervisor/diagnose/container_reports.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tollgate {
namespace {

ContainerReport learned(const std::string& id) {
  ContainerReport r;
  r.container_id = id;
  r.mode = PolicyMode::Learn;
  r.text = "learned " + id + "\n";
  r.report = {{"syscalls", nlohmann::json::array()}};
  r.profile = nlohmann::ordered_json{{"defaultAction", "SCMP_ACT_ERRNO"}};
  return r;
}

class ScratchDir {
 public:
  ScratchDir() {
    char name[] = "/tmp/tollgate-reports-XXXXXX";
    path_ = ::mkdtemp(name);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(ReportFileStem, KeepsPlainIdsAndRenamesEverythingElseWithoutCollisions) {
  EXPECT_EQ(report_file_stem("web-1_a.b", 0), "web-1_a.b");
  const std::string slashed = report_file_stem("../../etc/passwd", 0);
  EXPECT_EQ(slashed.find('/'), std::string::npos) << slashed;
  EXPECT_NE(slashed.front(), '.') << slashed;
  EXPECT_NE(report_file_stem("a/b", 0), report_file_stem("a_b", 0));  // the hash tells them apart
  for (const char* dots : {".", "..", ".hidden"}) {
    const std::string stem = report_file_stem(dots, 0);
    EXPECT_NE(stem.front(), '.') << stem;
  }
  EXPECT_LE(report_file_stem(std::string(5000, 'x'), 0).size(), 120u);
  EXPECT_EQ(report_file_stem(std::string("a\0b", 3), 0).find('\0'), std::string::npos);
  // A user's container cannot take root's file name.
  EXPECT_EQ(report_file_stem("web", 1000), "uid1000-web");
}

TEST(ContainerReports, FindsTheReportAndWritesItsFilesInsideTheDirectory) {
  ScratchDir dir;
  auto opened = ReportDirectory::open(dir.path() / "reports");
  ASSERT_TRUE(opened) << opened.error();
  ContainerReports reports({}, std::move(*opened));
  reports.add(learned("../escape/x"), 0);
  auto found = reports.find("../escape/x");
  ASSERT_TRUE(found) << found.error();
  EXPECT_EQ((*found)["mode"], "learn");
  EXPECT_EQ((*found)["text"], "learned ../escape/x\n");
  ASSERT_EQ((*found)["files"].size(), 2u) << found->dump();
  for (const auto& file : (*found)["files"]) {
    const std::filesystem::path p(file.get<std::string>());
    EXPECT_EQ(p.parent_path(), dir.path() / "reports") << p;
    EXPECT_TRUE(std::filesystem::is_regular_file(p)) << p;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "escape"));
  // Nothing else in the directory: no temporary file left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path() / "reports"), {}), 2);
}

TEST(ContainerReports, AnUnknownIdIsAClearError) {
  ContainerReports reports({}, std::nullopt);
  auto found = reports.find("nobody");
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().find("no report for container \"nobody\""), std::string::npos) << found.error();
}

TEST(ContainerReports, PastTheLimitTheOldestIsDroppedAndTheErrorSaysSo) {
  ContainerReports reports({.max_reports = 2}, std::nullopt);
  for (const char* id : {"one", "two", "three"}) reports.add(learned(id), 0);
  EXPECT_EQ(reports.size(), 2u);
  EXPECT_TRUE(reports.find("two"));
  EXPECT_TRUE(reports.find("three"));
  auto gone = reports.find("one");
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().find("1 older report was dropped"), std::string::npos) << gone.error();
}

TEST(ContainerReports, APeerWithManyContainersPushesOutOnlyItsOwn) {
  ContainerReports reports({.max_reports = 3}, std::nullopt);
  reports.add(learned("root-web"), 0);
  for (int i = 0; i < 10; ++i) reports.add(learned("flood-" + std::to_string(i)), 1000);
  EXPECT_EQ(reports.size(), 3u);
  EXPECT_TRUE(reports.find("root-web"));
  EXPECT_TRUE(reports.find("flood-9"));
  EXPECT_FALSE(reports.find("flood-0"));
}

TEST(ContainerReports, AReportTooLargeKeepsItsTextOnly) {
  ContainerReports reports({.max_report_bytes = 200}, std::nullopt);
  ContainerReport big = learned("big");
  big.report = {{"padding", std::string(1000, 'x')}};
  reports.add(std::move(big), 0);
  auto found = reports.find("big");
  ASSERT_TRUE(found);
  EXPECT_TRUE((*found)["report"].is_null());
  EXPECT_EQ((*found)["text"], "learned big\n");
  EXPECT_NE((*found)["truncated"].get<std::string>().find("larger than the daemon keeps"), std::string::npos);
}

TEST(ContainerReports, ALaterRunOfTheSameContainerReplacesItsReport) {
  ContainerReports reports({}, std::nullopt);
  reports.add(learned("web"), 0);
  ContainerReport again = learned("web");
  again.text = "second\n";
  reports.add(std::move(again), 0);
  EXPECT_EQ(reports.size(), 1u);
  EXPECT_EQ((*reports.find("web"))["text"], "second\n");
}

}  // namespace
}  // namespace tollgate
