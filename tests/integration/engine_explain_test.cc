// Story 1 as Docker and Podman users meet it: `ls -l /` under a profile without statx prints "Operation not
// permitted"; the same `docker run` / `podman run` through the tollgate shim in explain mode shows, in its own
// output, the statx call with its path and the profile entry responsible. A real dockerd and a real Podman,
// started here; a `tollgate supervise` daemon started here; the shim as the engines' runtime.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/docker_engine.h"
#include "tests/integration/harness.h"
#include "tests/integration/podman_engine.h"
#include "tests/integration/profile_variants.h"
#include "tests/integration/shim_setup.h"

namespace tollgate::testing {
namespace {

// supervisor/denial_notice.h's NoticeBudget::kBurst (the integration tests do not link the daemon's code).
constexpr int NoticeBudgetBurst = 20;

using nlohmann::json;

// The denial line the daemon writes into the container's stderr, and what `ls` itself says after it.
void expect_statx_explained(const ProcessResult& r, const std::string& cause) {
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(lines_with(r.err, "cannot access '/': Operation not permitted"), 1u) << r.err;
  ASSERT_GE(lines_with(r.err, "tollgate: statx("), 1u) << r.err;
  const size_t line = r.err.find("tollgate: statx(");
  const std::string shown = r.err.substr(line, r.err.find('\n', line) - line);
  EXPECT_NE(shown.find("\"/\""), std::string::npos) << shown;  // the path, read from the caller
  EXPECT_NE(shown.find("= -1 EPERM"), std::string::npos) << shown;
  EXPECT_NE(shown.find(cause), std::string::npos) << shown;
  // The explanation comes before the program's own message about the same call.
  EXPECT_LT(line, r.err.find("cannot access")) << r.err;
}

class DockerExplainTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setup_ = new ShimSetup("runc");
    engine_ = new DockerEngine({"tollgate=" + setup_->shim()});
    engine_->import_image(setup_->rootfs, kImage);
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
    delete setup_;
    setup_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(engine_, nullptr) << "the Docker engine did not start"; }

  static ProcessResult run(const std::vector<std::string>& options, const std::vector<std::string>& command) {
    return engine_->run(kImage, options, command);
  }

  static constexpr const char* kImage = "tollgate-test-explain:1";
  static inline ShimSetup* setup_ = nullptr;
  static inline DockerEngine* engine_ = nullptr;
};

TEST_F(DockerExplainTest, StoryOneTheDeniedStatxIsExplainedInTheDockerRunOutput) {
  TempDir dir;
  const std::string profile = podman_without_statx(dir, 1);
  ProcessResult plain = run({"--security-opt", "seccomp=" + profile}, {"/usr/local/bin/ls", "-l", "/"});
  EXPECT_NE(plain.status, 0);
  EXPECT_NE(plain.err.find("Operation not permitted"), std::string::npos) << plain.err;
  EXPECT_EQ(plain.err.find("tollgate:"), std::string::npos) << plain.err;

  ProcessResult explained = run({"--runtime", "tollgate", "-e", "TOLLGATE_MODE=explain", "--security-opt",
                                 "seccomp=" + profile},
                                {"/usr/local/bin/ls", "-l", "/"});
  expect_statx_explained(explained, "<- defaultAction SCMP_ACT_ERRNO(EPERM)");  // no entry allows statx
  // Same semantics as without the shim: the output on stdout is the same (nothing), the status too.
  EXPECT_EQ(explained.status, plain.status);
  EXPECT_EQ(program_lines(explained.err), plain.err);
}

TEST_F(DockerExplainTest, AContainerThatAsksForNothingRunsExactlyAsWithoutTheShim) {
  TempDir dir;
  const std::string profile = podman_without_statx(dir, 1);
  const std::vector<std::string> cmd = {"/bin/sh", "-c", "ls -l / >/dev/null; /usr/local/bin/ls /; echo status $?"};
  ProcessResult plain = run({"--security-opt", "seccomp=" + profile}, cmd);
  ProcessResult shimmed = run({"--runtime", "tollgate", "--security-opt", "seccomp=" + profile}, cmd);
  EXPECT_EQ(shimmed.status, plain.status);
  EXPECT_EQ(shimmed.out, plain.out);
  EXPECT_EQ(shimmed.err, plain.err);
  EXPECT_NE(plain.out.find("status 2"), std::string::npos) << plain.out << plain.err;
}

TEST_F(DockerExplainTest, ARepeatedDenialIsShownABoundedNumberOfTimes) {
  TempDir dir;
  const std::string profile = podman_without_statx(dir, 1);
  // One process, 1000 denied statx calls in a row: `ls` stats each argument.
  std::vector<std::string> ls = {"/usr/local/bin/ls"};
  ls.insert(ls.end(), 1000, "/");
  ProcessResult r = run({"--runtime", "tollgate", "-e", "TOLLGATE_MODE=explain", "--security-opt",
                         "seccomp=" + profile},
                        ls);
  EXPECT_EQ(lines_with(r.err, "cannot access '/'"), 1000u);
  const size_t shown = lines_with(r.err, "tollgate: statx(");
  // The burst, then 5 a second: 500 would take the 1000 calls over a minute and a half.
  EXPECT_GE(shown, static_cast<size_t>(NoticeBudgetBurst));
  EXPECT_LT(shown, 500u) << r.err.substr(0, 4000);
}

TEST_F(DockerExplainTest, WithTheDaemonDownAContainerAskingForAModeDoesNotStartAndTheSocketIsNamed) {
  // A second runtime.json naming a socket nobody listens on, given in dockerd's environment.
  TempDir dir;
  write_file(dir.file("runtime.json"),
             json{{"runtime", "runc"}, {"socket", dir.file("nobody.sock")}}.dump());
  std::filesystem::create_symlink(kTollgate, dir.file("tollgate-runtime"));
  DockerEngine engine({"tollgate=" + dir.file("tollgate-runtime")},
                      {"TOLLGATE_RUNTIME_CONFIG=" + dir.file("runtime.json")});
  engine.import_image(setup_->rootfs, kImage);
  ProcessResult r = engine.run(kImage, {"--runtime", "tollgate", "-e", "TOLLGATE_MODE=explain"}, {"/bin/echo", "never"});
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.out.find("never"), std::string::npos);
  EXPECT_NE(r.err.find(dir.file("nobody.sock")), std::string::npos) << r.err;
}

class PodmanExplainTest : public ::testing::Test {
 protected:
  PodmanExplainTest() : setup_("crun"), podman_({"tollgate=" + setup_.shim()}) {}
  ShimSetup setup_;
  PodmanEngine podman_;
};

// Podman 4.3 replaces a profile's defaultErrnoRet with ENOSYS (measured: the config.json it writes says 38),
// from which `ls` quietly falls back to lstat. The story's EPERM then comes from an entry of the profile.
TEST_F(PodmanExplainTest, StoryOneTheDeniedStatxIsExplainedInThePodmanRunOutput) {
  TempDir dir;
  const std::string profile = podman_variant(dir, "statx-eperm.json", [](json& p) {
    for (auto& entry : p["syscalls"]) {
      auto& names = entry["names"];
      names.erase(std::remove(names.begin(), names.end(), "statx"), names.end());
    }
    p["syscalls"].push_back({{"names", {"statx"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}});
  });
  const std::vector<std::string> ls = {"/usr/local/bin/ls", "-l", "/"};
  ProcessResult plain = podman_.run({"--security-opt", "seccomp=" + profile}, setup_.rootfs.string(), ls);
  EXPECT_NE(plain.err.find("Operation not permitted"), std::string::npos) << plain.err;
  ProcessResult r = podman_.run({"--runtime", "tollgate", "--annotation", "io.tollgate.mode=explain",
                                 "--security-opt", "seccomp=" + profile},
                                setup_.rootfs.string(), ls);
  // The entry is numbered as in the profile Podman hands the runtime (resolved for the container, entries
  // for other capabilities and architectures left out) and shown with its names.
  expect_statx_explained(r, "(statx) SCMP_ACT_ERRNO(EPERM): statx is denied by this rule");
  EXPECT_EQ(program_lines(r.err), plain.err);
}

TEST_F(PodmanExplainTest, WithTheDaemonDownAContainerAskingForAModeDoesNotStartAndTheSocketIsNamed) {
  ASSERT_TRUE(setup_.daemon->stop().has_value());
  ProcessResult r = podman_.run({"--runtime", "tollgate", "--annotation", "io.tollgate.mode=explain"},
                                setup_.rootfs.string(), {"/bin/echo", "never"});
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.out.find("never"), std::string::npos);
  EXPECT_NE(r.err.find(setup_.daemon->socket()), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tollgate::testing
