// Docker itself, as the people of ../shared/USER-STORIES.md use it: a real dockerd (Debian's docker.io),
// started by the test with its state in a temporary directory, images imported from root filesystems built
// here. These tests pin what Docker does on its own, the ground the runtime shim builds on.
#include "tests/integration/docker_engine.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"
#include "tests/integration/host_program.h"
#include "tests/integration/oci_container.h"

namespace tollgate::testing {
namespace {

// Podman's default profile is Docker's format; without "statx" it is the profile of story 1.
nlohmann::json profile_without(const std::vector<std::string>& removed) {
  std::ifstream in(kPodmanProfile);
  nlohmann::json profile = nlohmann::json::parse(in);
  for (auto& entry : profile["syscalls"]) {
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& name : entry["names"])
      if (std::find(removed.begin(), removed.end(), name.get<std::string>()) == removed.end())
        kept.push_back(name);
    entry["names"] = kept;
  }
  profile["defaultErrnoRet"] = 1;
  return profile;
}

class DockerEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    images_ = new TempDir;
    engine_ = new DockerEngine;
    const auto rootfs = build_busybox_rootfs(images_->path());
    add_host_program(rootfs, "/bin/ls", "/usr/local/bin/ls");  // coreutils' ls uses statx, busybox's does not
    engine_->import_image(rootfs, kImage);
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
    delete images_;
    images_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(engine_, nullptr) << "the Docker engine did not start"; }

  static ProcessResult run(const std::vector<std::string>& options, const std::vector<std::string>& command) {
    return engine_->run(kImage, options, command);
  }

  static constexpr const char* kImage = "tollgate-test-busybox:1";
  static inline TempDir* images_ = nullptr;
  static inline DockerEngine* engine_ = nullptr;
};

TEST_F(DockerEngineTest, RunsAnImportedImage) {
  ProcessResult r = run({}, {"/bin/sh", "-c", "echo hello from docker; exit 7"});
  EXPECT_EQ(r.status, 7) << r.err;
  EXPECT_EQ(r.out, "hello from docker\n");
}

TEST_F(DockerEngineTest, StoryOneAProfileWithoutStatxMakesLsFail) {
  TempDir dir;
  write_file(dir.file("no-statx.json"), profile_without({"statx"}).dump());
  ProcessResult denied =
      run({"--security-opt", "seccomp=" + dir.file("no-statx.json")}, {"/usr/local/bin/ls", "-l", "/"});
  EXPECT_NE(denied.status, 0);
  EXPECT_NE(denied.err.find("Operation not permitted"), std::string::npos) << denied.err;
  ProcessResult allowed =
      run({"--security-opt", "seccomp=" + kPodmanProfile}, {"/usr/local/bin/ls", "-l", "/"});
  EXPECT_EQ(allowed.status, 0) << allowed.err;
  EXPECT_NE(allowed.out.find("bin"), std::string::npos);
}

TEST_F(DockerEngineTest, StoryFourAProfileTooTightForRuncStopsTheContainerBeforeItsCommand) {
  TempDir dir;
  // runc stats /dev/null while setting up the container's user, under the container's profile.
  write_file(dir.file("no-fstatat.json"), profile_without({"statx", "newfstatat", "lstat", "fstat"}).dump());
  ProcessResult r = run({"--security-opt", "seccomp=" + dir.file("no-fstatat.json")}, {"/bin/echo", "never"});
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.out.find("never"), std::string::npos);
  EXPECT_NE(r.err.find("operation not permitted"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tollgate::testing
