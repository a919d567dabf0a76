// The runtime shim under a real containerd (Debian's 1.6), the way docs/containers.md wires it: `ctr run
// --runc-binary tollgate-runtime` goes through containerd's runc shim (io.containerd.runc.v2), which calls
// tollgate-runtime with runc's command line; the same `BinaryName` option is what the CRI plugin's runtime
// handler (Kubernetes' RuntimeClass) sets. containerd, the tollgate daemon and the containers are started
// here, with their state in temporary directories.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/integration/containerd_engine.h"
#include "tests/integration/container_events.h"
#include "tests/integration/harness.h"
#include "tests/integration/oci_container.h"

namespace tollgate::testing {
namespace {

using nlohmann::json;

// A tollgate policy whose only rule denies settimeofday with `errno_name`: the errno tells which policy
// decided.
std::string settimeofday_policy(const std::string& errno_name) {
  return R"({"comment": "test", "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [], "rules": [
    {"name": "settimeofday-)" + errno_name + R"(", "syscalls": ["settimeofday"], "action": "deny", "errno": ")" +
         errno_name + R"(", "comment": "test"}]})";
}

class ContainerdShimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.file("policies"));
    write_file(dir_.file("policies/errno-exdev.json"), settimeofday_policy("EXDEV"));
    write_file(dir_.file("policies/fallback.json"), settimeofday_policy("EBUSY"));
    rootfs_ = build_busybox_rootfs(dir_.path());
    // Engines want one executable: the shim is tollgate called as tollgate-runtime.
    std::filesystem::create_symlink(kTollgate, runtime_link());
    daemon_ = std::make_unique<SuperviseDaemon>(
        dir_, true,
        std::vector<std::string>{"--policy-dir", dir_.file("policies"), "--default-policy", "fallback"});
    write_runtime_config(daemon_->socket());
    containerd_ = std::make_unique<ContainerdEngine>(
        std::vector<std::string>{"TOLLGATE_RUNTIME_CONFIG=" + dir_.file("runtime.json")});
  }

  std::string runtime_link() const { return dir_.file("tollgate-runtime"); }
  void write_runtime_config(const std::string& socket) const {
    write_file(dir_.file("runtime.json"),
               json{{"runtime", "/usr/sbin/runc"}, {"socket", socket}, {"policyDir", dir_.file("policies")}}.dump());
  }

  // `ctr run --rm --rootfs [--runc-binary tollgate-runtime] OPTIONS ROOTFS ID /bin/tg_probe settimeofday`
  // (ctr sets no PATH lookup of its own: the path is absolute).
  ProcessResult run(const std::string& id, const std::vector<std::string>& options, bool through_shim = true) {
    std::vector<std::string> args = {"run", "--rm", "--rootfs"};
    if (through_shim) args.insert(args.end(), {"--runc-binary", runtime_link()});
    args.insert(args.end(), options.begin(), options.end());
    args.insert(args.end(), {rootfs_.string(), id, "/bin/tg_probe", "settimeofday"});
    return containerd_->ctr(args);
  }
  std::string id(const std::string& name) const { return "tollgate-" + name + "-" + std::to_string(getpid()); }

  TempDir dir_;
  std::filesystem::path rootfs_;
  std::unique_ptr<SuperviseDaemon> daemon_;
  std::unique_ptr<ContainerdEngine> containerd_;  // declared last: stopped before the daemon goes
};

TEST_F(ContainerdShimTest, EnforceFromTheEnvironment) {
  const std::string c = id("env");
  ProcessResult r = run(c, {"--env", "TOLLGATE_MODE=enforce", "--env", "TOLLGATE_POLICY=errno-exdev"});
  EXPECT_EQ(r.status, 0) << r.err << containerd_->log_text();
  EXPECT_EQ(r.out, "settimeofday: ret=-1 errno=EXDEV\n") << r.err;
  ASSERT_TRUE(eventually([&] { return events_of(daemon_->events(), c).size() == 1; }))
      << read_file(daemon_->events()) << daemon_->stderr_text();
  const json event = events_of(daemon_->events(), c)[0];
  EXPECT_EQ(event["policy"], "errno-exdev.json");
  EXPECT_EQ(event["target"]["argv"], json({"/bin/tg_probe", "settimeofday"})) << event.dump();
}

TEST_F(ContainerdShimTest, AnnotationsAsAKubernetesPodSetsThemWinOverTheEnvironment) {
  // `ctr run --annotation` puts them in config.json as the CRI plugin does with a pod's annotations (for the
  // keys its pod_annotations option lets through).
  const std::string c = id("annotated");
  ProcessResult r = run(c, {"--annotation", "io.tollgate.mode=enforce", "--annotation", "io.tollgate.policy=fallback",
                            "--env", "TOLLGATE_POLICY=errno-exdev"});
  EXPECT_EQ(r.status, 0) << r.err << containerd_->log_text();
  EXPECT_EQ(r.out, "settimeofday: ret=-1 errno=EBUSY\n") << r.err;
  ASSERT_TRUE(eventually([&] { return events_of(daemon_->events(), c).size() == 1; }))
      << read_file(daemon_->events()) << daemon_->stderr_text();
  EXPECT_EQ(events_of(daemon_->events(), c)[0]["policy"], "fallback.json");
}

TEST_F(ContainerdShimTest, AContainerThatAsksForNothingRunsAsWithoutTheShim) {
  // containerd's default profile (--seccomp) and capabilities: settimeofday fails the same way with the
  // shim and without it, and the daemon never hears of the container.
  const std::string with_shim = id("plain-shim"), without = id("plain-runc");
  ProcessResult through_shim = run(with_shim, {"--seccomp"});
  ProcessResult direct = run(without, {"--seccomp"}, /*through_shim=*/false);
  EXPECT_EQ(through_shim.status, 0) << through_shim.err;
  EXPECT_EQ(through_shim.out, direct.out) << through_shim.err << direct.err;
  EXPECT_EQ(through_shim.out, "settimeofday: ret=-1 errno=EPERM\n");
  EXPECT_EQ(daemon_->stderr_text().find(with_shim), std::string::npos) << daemon_->stderr_text();
}

TEST_F(ContainerdShimTest, AModeWhileTheDaemonIsDownFailsTheContainerNamingTheSocket) {
  write_runtime_config(dir_.file("no-daemon.sock"));
  ProcessResult r = run(id("down"), {"--env", "TOLLGATE_MODE=enforce"});
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.out.find("settimeofday"), std::string::npos) << "the command never ran: " << r.out;
  EXPECT_NE(r.err.find("daemon's socket " + dir_.file("no-daemon.sock") + " is not there"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace tollgate::testing
