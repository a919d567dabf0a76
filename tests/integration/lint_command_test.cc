// `tollgate lint`: exit 0 clean, 1 warnings, 2 errors; human and JSON output.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"
#include "tests/integration/profile_variants.h"

namespace tollgate::testing {
namespace {

TEST(Lint, PodmansUnmodifiedProfileIsClean) {
  // Nothing in it is wrong on this machine: exit 0, no warnings. What lint notes is harmless and by design:
  // the names of other architectures in its multi-architecture allow list (_llseek, chown32, ...), and
  // syscalls this kernel no longer has (nfsservctl, query_module, lookup_dcookie since Linux 6.8,
  // epoll_ctl_old/epoll_wait_old), which fail with ENOSYS whatever the profile says.
  ProcessResult r = run_process({kTollgate, "lint", kPodmanProfile});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("0 error(s), 0 warning(s)"), std::string::npos) << r.out;
  ProcessResult json = run_process({kTollgate, "lint", "--json", kPodmanProfile});
  EXPECT_EQ(json.status, 0);
  auto report = nlohmann::json::parse(json.out);
  EXPECT_EQ(report["warnings"], 0);
  EXPECT_GT(report["notes"].get<int>(), 0);
  for (const auto& f : report["findings"]) {
    EXPECT_EQ(f["severity"], "note") << f.dump();
    EXPECT_TRUE(f["check"] == "not-on-this-arch" || f["check"] == "not-in-this-kernel") << f.dump();
  }
}

TEST(Lint, StoryOneANameThisLibseccompDoesNotKnowIsAWarning) {
  // Simulates the old libseccomp of story 1: the allow list names a syscall this libseccomp has never heard
  // of, so the name is silently dropped and the call would get the defaultAction.
  TempDir dir;
  const std::string profile = podman_variant(dir, "unknown.json", [](nlohmann::json& p) {
    p["syscalls"][1]["names"].push_back("statx_from_the_future");
  });
  ProcessResult r = run_process({kTollgate, "lint", profile});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("warning [unknown-to-libseccomp]: \"statx_from_the_future\" is unknown to libseccomp"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("defaultAction SCMP_ACT_ERRNO(ENOSYS)"), std::string::npos) << r.out;
  auto report = nlohmann::json::parse(run_process({kTollgate, "lint", "--json", profile}).out);
  EXPECT_EQ(report["exit_status"], 1);
  EXPECT_EQ(report["warnings"], 1);
}

TEST(Lint, AProfileThatDoesNotParseIsAnError) {
  TempDir dir;
  write_file(dir.file("broken.json"), R"({"defaultAction": 3})");
  ProcessResult r = run_process({kTollgate, "lint", dir.file("broken.json")});
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("/defaultAction: error [does-not-parse]"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace tollgate::testing

namespace tollgate::testing {
namespace {

// Podman's profile without NAME in its allow list (entry 1).
std::string podman_without(TempDir& dir, const std::string& name) {
  return podman_variant(dir, "without-" + name + ".json", [&](nlohmann::json& p) {
    auto& names = p["syscalls"][1]["names"];
    names.erase(std::remove(names.begin(), names.end(), name), names.end());
  });
}

TEST(LintRuntime, PodmansProfileLetsBothRuntimesStart) {
  for (const char* runtime : {"runc", "crun"}) {
    ProcessResult r = run_process({kTollgate, "lint", "--runtime", runtime, kPodmanProfile});
    EXPECT_EQ(r.status, 0) << runtime << "\n" << r.out << r.err;
  }
}

TEST(LintRuntime, NamesTheCallTheRuntimeMakesUnderTheProfileAndPointsToCommandOnly) {
  TempDir dir;
  const std::string no_fstatfs = podman_without(dir, "fstatfs");
  ProcessResult r = run_process({kTollgate, "lint", "--runtime", "runc", no_fstatfs});
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("error [runtime-calls]: runc 1.1.5 calls fstatfs after installing this profile"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("ensure /proc/self/fd is on procfs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("TOLLGATE_MODE=command-only"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("not available"), std::string::npos) << r.out;
  // crun does not call fstatfs there; it drops the bounding set with prctl instead.
  EXPECT_EQ(run_process({kTollgate, "lint", "--runtime", "crun", no_fstatfs}).status, 0);
  r = run_process({kTollgate, "lint", "--runtime", "crun", podman_without(dir, "prctl")});
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("crun 1.8.1 calls prctl after installing this profile (without noNewPrivileges"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(run_process({kTollgate, "lint", "--runtime", "dockerd", kPodmanProfile}).status, 2);  // usage
}

}  // namespace
}  // namespace tollgate::testing
