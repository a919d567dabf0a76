// Podman itself, as users run it (rootful, --rootfs): the ground the runtime shim builds on with Podman.
#include "tests/integration/podman_engine.h"

#include <gtest/gtest.h>

#include "tests/integration/harness.h"
#include "tests/integration/host_program.h"
#include "tests/integration/oci_container.h"

namespace tollgate::testing {
namespace {

class PodmanEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rootfs_ = build_busybox_rootfs(images_.path());
    add_host_program(rootfs_, "/bin/ls", "/usr/local/bin/ls");
  }

  TempDir images_;
  std::filesystem::path rootfs_;
  PodmanEngine podman_;
};

TEST_F(PodmanEngineTest, RunsARootFilesystem) {
  ProcessResult r = podman_.run({}, rootfs_.string(), {"/bin/sh", "-c", "echo hello from podman; exit 5"});
  EXPECT_EQ(r.status, 5) << r.err;
  EXPECT_EQ(r.out, "hello from podman\n");
}

TEST_F(PodmanEngineTest, PassesAnnotationsAndTheProfileToTheRuntime) {
  // The profile Podman hands crun is the file given, so its denial shows inside.
  ProcessResult r =
      podman_.run({"--annotation", "io.tollgate.mode=explain", "--security-opt", "seccomp=" + kPodmanProfile},
                  rootfs_.string(), {"/usr/local/bin/ls", "-l", "/"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("bin"), std::string::npos);
}

}  // namespace
}  // namespace tollgate::testing
