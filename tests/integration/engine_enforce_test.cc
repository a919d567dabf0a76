// Enforce mode through the tollgate shim, as Docker and Podman users run it: story 3 (`date -s` in a
// container under a policy whose time rule pretends) and an emulated mount followed at once by a pretended
// clock change in the same container. Real dockerd and Podman, started here; what is checked is what the
// container's commands print and return, and that the host's clock did not move.
#include <gtest/gtest.h>

#include <ctime>
#include <sstream>
#include <nlohmann/json.hpp>

#include "tests/integration/docker_engine.h"
#include "tests/integration/harness.h"
#include "tests/integration/podman_engine.h"
#include "tests/integration/shim_setup.h"

namespace tollgate::testing {
namespace {

std::string pretend_clock_policy(bool require_cap) {
  nlohmann::json options = {{"mode", "pretend"}};
  if (!require_cap) options["require_cap_sys_time"] = false;
  return nlohmann::json{
      {"comment", "test: the clock is pretended"},
      {"defaultAction", "SCMP_ACT_ALLOW"},
      {"syscalls", nlohmann::json::array()},
      {"rules",
       {{{"name", "pretend-clock"}, {"syscalls", {"@clock"}}, {"action", "emulate"}, {"handler", "time"},
         {"options", options}, {"comment", "test"}}}}}
      .dump();
}

// A date far from now: had the host clock been set, the host would be back in 2001. Only ever run without
// CAP_SYS_TIME, so that a broken shim or daemon cannot move this machine's clock.
const std::vector<std::string> kSetDate = {"/bin/date", "-s", "2001-02-03 04:05:06"};
// With CAP_SYS_TIME (a rootful container holding it would set the host's clock if the call ever ran), the
// clock is "set" to what it already is: harmless if it ran, and the daemon's events tell whether it was
// emulated.
const std::vector<std::string> kSetDateToNow = {"/bin/sh", "-c", "date -s @$(date +%s) >/dev/null"};

// The clock calls the daemon answered for `syscall`, as (rule, reason) of their events.
std::vector<std::pair<std::string, std::string>> clock_answers(const std::string& events) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream lines(read_file(events));
  for (std::string line; std::getline(lines, line);) {
    auto e = nlohmann::json::parse(line, nullptr, false);
    if (!e.is_object()) continue;
    const std::string name = e.value("syscall", "");
    if (name != "clock_settime" && name != "settimeofday") continue;
    out.emplace_back(e["rule"].is_string() ? e["rule"].get<std::string>() : "",
                     e.value("reason", "") + " " + e.value("action", ""));
  }
  return out;
}

bool host_clock_is_after(std::time_t before) { return std::time(nullptr) >= before; }

class DockerStoryThreeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setup_ = new ShimSetup("runc", {{"pretend-clock", pretend_clock_policy(true)},
                                    {"pretend-clock-anyone", pretend_clock_policy(false)}});
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

  // Through the shim: `docker run --runtime tollgate OPTIONS IMAGE COMMAND`.
  static ProcessResult run(std::vector<std::string> options, const std::vector<std::string>& command) {
    options.insert(options.begin(), {"--runtime", "tollgate"});
    return engine_->run(kImage, options, command);
  }

  static constexpr const char* kImage = "tollgate-test-enforce:1";
  static inline ShimSetup* setup_ = nullptr;
  static inline DockerEngine* engine_ = nullptr;
};

TEST_F(DockerStoryThreeTest, DateWithCapSysTimeIsAnsweredByThePretendRule) {
  const size_t earlier = clock_answers(setup_->daemon->events()).size();
  ProcessResult r = run({"-e", "TOLLGATE_MODE=enforce", "-e", "TOLLGATE_POLICY=pretend-clock", "--cap-add",
                         "SYS_TIME"},
                        kSetDateToNow);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err.find("can't set date"), std::string::npos) << r.err;
  ASSERT_TRUE(eventually([&] { return clock_answers(setup_->daemon->events()).size() > earlier; }));
  const auto answer = clock_answers(setup_->daemon->events()).back();
  EXPECT_EQ(answer.first, "pretend-clock");
  EXPECT_NE(answer.second.find("emulated"), std::string::npos) << answer.second;
}

// Story 3's starting point. (Never run with CAP_SYS_TIME without the shim: a rootful container holding it
// sets the host's clock.)
TEST_F(DockerStoryThreeTest, WithoutTheShimDateFailsUnderDockersDefaultProfile) {
  ProcessResult denied = engine_->run(kImage, {}, kSetDate);
  // busybox's date says so and still exits 0.
  EXPECT_NE(denied.err.find("can't set date: Operation not permitted"), std::string::npos) << denied.err;
}

TEST_F(DockerStoryThreeTest, ThePolicyDecidesWhetherACallerWithoutCapSysTimeIsPretendedTo) {
  ProcessResult strict = run({"-e", "TOLLGATE_MODE=enforce", "-e", "TOLLGATE_POLICY=pretend-clock"}, kSetDate);
  EXPECT_NE(strict.err.find("can't set date: Operation not permitted"), std::string::npos) << strict.err;
  ASSERT_TRUE(eventually([&] { return !clock_answers(setup_->daemon->events()).empty(); }));
  EXPECT_EQ(clock_answers(setup_->daemon->events()).back().second, "caller lacks CAP_SYS_TIME deny");

  const std::time_t before = std::time(nullptr);
  ProcessResult lenient =
      run({"-e", "TOLLGATE_MODE=enforce", "-e", "TOLLGATE_POLICY=pretend-clock-anyone"}, kSetDate);
  EXPECT_EQ(lenient.status, 0) << lenient.err;
  EXPECT_EQ(lenient.err.find("can't set date"), std::string::npos) << lenient.err;
  EXPECT_TRUE(host_clock_is_after(before));
}

// The mount is emulated in the container's mount namespace by a worker that then stays there a while; the
// clock call that follows at once must still find the caller's credentials (it once got "caller unreadable":
// the worker read /proc/PID/status inside the container's root, whose /proc shows the container's pids).
TEST(PodmanEnforceTest, AnEmulatedMountFollowedAtOnceByDateBothSucceed) {
  ShimSetup setup("crun", {{"rootless-mount", read_file(std::string(TOLLGATE_SOURCE_POLICY_DIR) +
                                                        "/rootless-mount.json")}});
  PodmanEngine podman({"tollgate=" + setup.shim()});
  const std::time_t before = std::time(nullptr);
  // CAP_SYS_TIME, so that the time handler reads the caller's credentials: the date is "now" (see kSetDateToNow).
  ProcessResult r = podman.run(
      {"--runtime", "tollgate", "--annotation", "io.tollgate.mode=enforce", "--annotation",
       "io.tollgate.policy=rootless-mount", "--cap-add", "SYS_ADMIN", "--cap-add", "SYS_TIME"},
      setup.rootfs.string(),
      {"/bin/sh", "-c",
       "mount -t tmpfs -o size=1m none /mnt && echo mounted && date -s @$(date +%s) >/dev/null && "
       "echo dated && grep -c ' /mnt tmpfs ' /proc/mounts"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "mounted\ndated\n1\n") << r.err;
  EXPECT_EQ(r.err.find("can't set date"), std::string::npos) << r.err;
  EXPECT_TRUE(host_clock_is_after(before));
  const auto answers = clock_answers(setup.daemon->events());
  ASSERT_FALSE(answers.empty()) << read_file(setup.daemon->events());
  EXPECT_EQ(answers.back().first, "pretend-clock") << answers.back().second;
  EXPECT_NE(answers.back().second.find("emulated"), std::string::npos) << answers.back().second;
}

}  // namespace
}  // namespace tollgate::testing
