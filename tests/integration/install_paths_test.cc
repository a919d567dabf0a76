// Where an installed or development tollgate looks for its files, and what it says when it cannot use them.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <regex>

#include "tests/integration/harness.h"

namespace tollgate::testing {
namespace {

TEST(InstallPathsTest, ASocketDirectoryThatCannotBeCreatedIsReportedWithItsOwnError) {
  TempDir dir;
  // nobody may pass through the temporary directory but not write in it: mkdir fails with EACCES there.
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  const std::string socket = dir.file("run/tollgate/tollgate.sock");
  ProcessResult r =
      run_process({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/env",
                   "-u", "XDG_RUNTIME_DIR", kTollgate, "supervise", "--socket", socket});
  EXPECT_EQ(r.status, 125) << r.err;
  EXPECT_NE(r.err.find("cannot create its directory " + dir.file("run/tollgate") + ": Permission denied"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("bind"), std::string::npos) << r.err;
}

TEST(InstallPathsTest, NoPolicyFoundNamesEveryDirectoryLookedIn) {
  TempDir dir;
  ProcessResult r = run_process(
      {"/usr/bin/env", "TOLLGATE_POLICY_DIR=" + dir.file("policies"), kTollgate, "run", "--", "true"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("policy \"default\": no such policy (looked in " + dir.file("policies") + ")"),
            std::string::npos)
      << r.err;
}

TEST(InstallPathsTest, VersionSaysWhatThisBuildAndThisKernelAre) {
  ProcessResult r = run_process({kTollgate, "--version"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("^tollgate [0-9]+\\.[0-9]+\\.[0-9]+"))) << r.out;
  EXPECT_TRUE(
      std::regex_search(r.out, std::regex("\nlibseccomp [0-9]+\\.[0-9]+\\.[0-9]+ \\(API level [0-9]+\\)\n")))
      << r.out;
  EXPECT_TRUE(std::regex_search(
      r.out,
      std::regex(
          "\nkernel [^:]+: SYNC_WAKE_UP (yes|no), WAIT_KILLABLE_RECV (yes|no), ADDFD_FLAG_SEND (yes|no)\n")))
      << r.out;
  // The tests run the build tree's binary, a development build: it says it reads this source tree.
  EXPECT_NE(r.out.find("development build: reads the policies of the source tree " + kPolicyDir),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("policies: "), std::string::npos) << r.out;
}

// A probe that failed quietly would answer "no" everywhere: on a kernel at least as new as the release that
// brought a feature (they are only ever added), it must find it.
TEST(InstallPathsTest, ProbedFeaturesAgreeWithTheKernelVersion) {
  ProcessResult r = run_process({kTollgate, "--version"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("\nkernel ([0-9]+)\\.([0-9]+)"))) << r.out;
  const int version = std::stoi(m[1]) * 1000 + std::stoi(m[2]);
  auto expect_feature = [&](const std::string& name, int since) {
    if (version >= since) {
      EXPECT_NE(r.out.find(name + " yes"), std::string::npos) << r.out;
    }
  };
  expect_feature("ADDFD_FLAG_SEND", 5014);
  expect_feature("WAIT_KILLABLE_RECV", 5019);
  expect_feature("SYNC_WAKE_UP", 6006);
}

}  // namespace
}  // namespace tollgate::testing
