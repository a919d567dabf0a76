// `tollgate learn`: the learned profile runs the program, every syscall in it is needed, and it lists what
// strace -f -c counts for the same run.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/integration/harness.h"
#include "tests/integration/profile_variants.h"

namespace tollgate::testing {
namespace {

std::set<std::string> names_in(const nlohmann::json& profile) {
  std::set<std::string> out;
  for (const auto& entry : profile["syscalls"])
    for (const auto& n : entry["names"]) out.insert(n.get<std::string>());
  return out;
}

nlohmann::json learn(const TempDir& dir, const std::vector<std::string>& command) {
  std::vector<std::string> argv = {kTollgate, "learn", "-o", dir.file("learned.json"), "--"};
  argv.insert(argv.end(), command.begin(), command.end());
  ProcessResult r = run_process(argv);
  EXPECT_EQ(r.status, 0) << r.err;
  return nlohmann::json::parse(read_file(dir.file("learned.json")));
}

// The syscall column of `strace -f -c`.
std::set<std::string> strace_counts(const TempDir& dir, const std::vector<std::string>& command) {
  std::vector<std::string> argv = {"/usr/bin/strace", "-f", "-c", "-o", dir.file("strace.txt")};
  argv.insert(argv.end(), command.begin(), command.end());
  EXPECT_EQ(run_process(argv).status, 0);
  std::set<std::string> out;
  std::istringstream in(read_file(dir.file("strace.txt")));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    if (f.size() < 5 || line.starts_with("%") || line.starts_with("-") || f.back() == "total") continue;
    out.insert(f.back());
  }
  return out;
}

class Learn : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(Learn, TheLearnedProfileRunsTheProgramAndEverySyscallInItIsNeeded) {
  TempDir dir;
  const std::vector<std::string> command = GetParam();
  const nlohmann::json learned = learn(dir, command);
  EXPECT_EQ(learned["defaultAction"], "SCMP_ACT_ERRNO");
  auto run = [&](const std::string& profile, bool explain) {
    std::vector<std::string> argv = {kTollgate,   "run",   explain ? "--explain" : "-q",
                                     "--profile", profile, "--"};
    argv.insert(argv.end(), command.begin(), command.end());
    return run_process(argv);
  };
  const ProcessResult full = run(dir.file("learned.json"), true);
  EXPECT_EQ(full.status, 0) << full.err;
  EXPECT_EQ(lines_with(full.err, "<- "), 0u) << full.err;

  const std::set<std::string> names = names_in(learned);
  EXPECT_GT(names.size(), 5u);
  for (const std::string& name : names) {
    nlohmann::json smaller = learned;
    for (auto& entry : smaller["syscalls"]) {
      auto& list = entry["names"];
      list.erase(std::remove(list.begin(), list.end(), name), list.end());
    }
    const std::string path = dir.file("without-" + name + ".json");
    write_file(path, smaller.dump());
    const ProcessResult r = run(path, true);
    EXPECT_TRUE(r.status != 0 || lines_with(r.err, name + "(") > 0)
        << "without " << name << " the run neither failed nor reported a denial: " << r.err;
  }
}

TEST_P(Learn, ListsWhatStraceCounts) {
  TempDir dir;
  const std::vector<std::string> command = GetParam();
  const std::set<std::string> learned = names_in(learn(dir, command));
  const std::set<std::string> traced = strace_counts(dir, command);
  for (const std::string& name : traced) EXPECT_TRUE(learned.contains(name)) << name << " is missing";
  // strace -c leaves out the calls that never return; nothing else may be extra.
  for (const std::string& name : learned)
    EXPECT_TRUE(traced.contains(name) || name == "exit_group" || name == "exit") << name << " is extra";
}

INSTANTIATE_TEST_SUITE_P(Programs, Learn,
                         ::testing::Values(std::vector<std::string>{"/bin/true"},
                                           std::vector<std::string>{"/bin/ls", "-l", "/"},
                                           std::vector<std::string>{"/usr/bin/python3", "-c", "print(1)"}),
                         [](const auto& param) {
                           const std::string program = param.param.front();
                           return program.substr(program.rfind('/') + 1);
                         });

TEST(LearnMerge, AddsOnlyWhatTheExistingProfileLacks) {
  TempDir dir;
  const std::string base = podman_without_statx(dir, 1);
  ProcessResult r = run_process(
      {kTollgate, "learn", "--merge", base, "-o", dir.file("merged.json"), "--", "ls", "-l", "/"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("added statx to the allow entry /syscalls/1"), std::string::npos) << r.err;
  EXPECT_EQ(lines_with(r.err, "learn: "), 1u) << "only statx was missing: " << r.err;
  ProcessResult again = run_process(
      {kTollgate, "run", "--explain", "--profile", dir.file("merged.json"), "--", "ls", "-l", "/"});
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(lines_with(again.err, "<- "), 0u) << again.err;
}

TEST(LearnMerge, CommentsRecordTheArgumentsOfSensitiveSyscalls) {
  TempDir dir;
  const nlohmann::json learned = learn(dir, {kProbe, "socket", "1", "1", "0"});
  bool found = false;
  for (const auto& entry : learned["syscalls"])
    if (entry["names"] == nlohmann::json{"socket"}) {
      found = true;
      EXPECT_NE(entry["comment"].get<std::string>().find("AF_UNIX"), std::string::npos) << entry.dump();
    }
  EXPECT_TRUE(found) << learned.dump(2);
}

TEST(LearnMerge, ABaseThatDoesNotLoadStopsBeforeTheCommandRuns) {
  TempDir dir;
  write_file(dir.file("broken.json"), R"({"syscalls": []})");
  ProcessResult r = run_process({kTollgate, "learn", "--merge", dir.file("broken.json"), "-o",
                                 dir.file("out.json"), "--", "/bin/touch", dir.file("ran")});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("/defaultAction"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("ran")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.json")));
}

}  // namespace
}  // namespace tollgate::testing
