// Story 4 with real engines: a profile learned for one command (`tollgate learn`) is far too tight for runc
// and crun, which make their last set-up calls under the container's profile. Through the tollgate runtime
// shim in command-only mode the same container starts, and the command's own denied calls fail as the
// profile says. Docker asks with `-e TOLLGATE_MODE=command-only`, Podman with an annotation; no tollgate
// daemon runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/integration/docker_engine.h"
#include "tests/integration/harness.h"
#include "tests/integration/oci_container.h"
#include "tests/integration/podman_engine.h"
#include "tests/integration/shim_setup.h"

namespace tollgate::testing {
namespace {

size_t files_in(const std::string& dir) {
  std::error_code ignored;
  if (!std::filesystem::exists(dir, ignored)) return 0;
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

// The shim set up for command-only (runtime.json's commandOnlyDir in the test's directory), and the profile
// of story 4, learned from one run of the command on the host. The daemon ShimSetup starts stays idle:
// command-only needs none.
struct CommandOnlySetup {
  explicit CommandOnlySetup(const std::string& runtime)
      : shim(runtime, {}, nlohmann::json{{"commandOnlyDir", dirs.file("command-only")}}) {
    ProcessResult learned =
        run_process({kTollgate, "learn", "-o", learned_profile(), "--", kStaticProbe, "getpid"});
    if (learned.status != 0) throw std::runtime_error("tollgate learn: " + learned.err);
  }
  std::string command_only_dir() const { return dirs.file("command-only"); }
  std::string learned_profile() const { return dirs.file("learned.json"); }
  TempDir dirs;
  ShimSetup shim;
};

class DockerCommandOnly : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shim_ = new CommandOnlySetup("/usr/sbin/runc");
    engine_ = new DockerEngine({"tollgate=" + shim_->shim.shim()});
    engine_->import_image(shim_->shim.rootfs, kImage);
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
    delete shim_;
    shim_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(engine_, nullptr) << "the Docker engine did not start"; }

  // Through the shim: `docker run --runtime tollgate OPTIONS IMAGE COMMAND`.
  static ProcessResult run(std::vector<std::string> options, const std::vector<std::string>& command) {
    options.insert(options.begin(), {"--runtime", "tollgate"});
    return engine_->run(kImage, options, command);
  }

  static constexpr const char* kImage = "tollgate-test-command-only:1";
  static inline CommandOnlySetup* shim_ = nullptr;
  static inline DockerEngine* engine_ = nullptr;
};

TEST_F(DockerCommandOnly, StoryFourALearnedProfileTooTightForRuncStartsTheCommandAndStillDenies) {
  const std::string profile = "seccomp=" + shim_->learned_profile();
  // Without a mode the shim changes nothing: runc fails under the profile before the command. Which of
  // runc's calls meets the profile first is a race: usually the close of its fds before the exec
  // ("operation not permitted"), but sometimes a futex wake-up in runc's Go runtime, which then dies
  // ("futexwakeup ... returned -1") and Docker reports "cannot start a stopped process".
  ProcessResult plain = run({"--security-opt", profile}, {"/bin/tg_probe", "getpid"});
  EXPECT_NE(plain.status, 0) << plain.out << plain.err;
  EXPECT_EQ(plain.out, "") << plain.err;
  EXPECT_TRUE(plain.err.find("operation not permitted") != std::string::npos ||
              plain.err.find("cannot start a stopped process") != std::string::npos)
      << plain.err;
  RecordProperty("docker_run_without_mode", plain.err);  // docs/command-only.md quotes it

  const std::vector<std::string> command_only = {"-e", "TOLLGATE_MODE=command-only", "--security-opt", profile};
  ProcessResult learned = run(command_only, {"/bin/tg_probe", "getpid"});
  EXPECT_EQ(learned.status, 0) << learned.err;
  EXPECT_EQ(learned.out, "getpid: ret=1 errno=0\n") << learned.err;  // the agent exec'd it as pid 1
  // A call the command did not make while learning: the profile's default answers it.
  ProcessResult denied = run(command_only, {"/bin/tg_probe", "add_key"});
  EXPECT_EQ(denied.status, 0) << denied.err;
  EXPECT_EQ(denied.out, "add_key: ret=-1 errno=EPERM\n") << denied.err;
  // The engine deleted the containers through the shim, which removed their filters.
  EXPECT_TRUE(eventually([&] { return files_in(shim_->command_only_dir()) == 0; }))
      << files_in(shim_->command_only_dir()) << " filter file(s) left in " << shim_->command_only_dir();
}

TEST_F(DockerCommandOnly, ANotifyProfileIsRefusedWithTheReasonInDockerRunsError) {
  TempDir dir;
  write_file(dir.file("notify.json"), R"({"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY"}]})");
  ProcessResult r = run({"-e", "TOLLGATE_MODE=command-only", "--security-opt", "seccomp=" + dir.file("notify.json")},
                        {"/bin/echo", "never"});
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("SCMP_ACT_NOTIFY"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("command-only starts no tollgate daemon"), std::string::npos) << r.err;
  RecordProperty("docker_run_error", r.err);
  EXPECT_TRUE(eventually([&] { return files_in(shim_->command_only_dir()) == 0; }));
}

class PodmanCommandOnly : public ::testing::Test {
 protected:
  PodmanCommandOnly()
      : shim_("/usr/bin/crun"), podman_({"tollgate=" + shim_.shim.shim()}) {}

  CommandOnlySetup shim_;
  PodmanEngine podman_;
};

TEST_F(PodmanCommandOnly, StoryFourALearnedProfileTooTightForCrunStartsTheCommandAndStillDenies) {
  const std::string profile = "seccomp=" + shim_.learned_profile();
  ProcessResult plain =
      podman_.run({"--runtime", "tollgate", "--security-opt", profile}, shim_.shim.rootfs.string(), {"/bin/tg_probe", "getpid"});
  EXPECT_NE(plain.status, 0);
  EXPECT_EQ(plain.out, "");

  const std::vector<std::string> command_only = {"--runtime", "tollgate", "--annotation",
                                                 "io.tollgate.mode=command-only", "--security-opt", profile};
  ProcessResult learned = podman_.run(command_only, shim_.shim.rootfs.string(), {"/bin/tg_probe", "getpid"});
  EXPECT_EQ(learned.status, 0) << learned.err;
  EXPECT_EQ(learned.out, "getpid: ret=1 errno=0\n") << learned.err;
  ProcessResult denied = podman_.run(command_only, shim_.shim.rootfs.string(), {"/bin/tg_probe", "add_key"});
  EXPECT_EQ(denied.status, 0) << denied.err;
  EXPECT_EQ(denied.out, "add_key: ret=-1 errno=EPERM\n") << denied.err;
  EXPECT_TRUE(eventually([&] { return files_in(shim_.command_only_dir()) == 0; }));
  // The image (a --rootfs directory here) was not written: the agent's mount points are in /dev's tmpfs.
  EXPECT_FALSE(std::filesystem::exists(shim_.shim.rootfs / "dev" / ".tollgate"));
}

}  // namespace
}  // namespace tollgate::testing
