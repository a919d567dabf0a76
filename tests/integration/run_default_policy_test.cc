// `tollgate run` with the shipped default policy: what real processes observe.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

namespace tollgate::testing {
namespace {

struct SensitiveCall {
  std::vector<std::string> probe_args;  // after kProbe; probe_args[0] names the probe's action
  std::string syscall;                  // what the kernel sees (glibc's mknod is mknodat)
};

class DefaultPolicyTest : public ::testing::Test {
 protected:
  ProcessResult run(const std::vector<std::string>& probe_args, const std::vector<std::string>& tollgate_args = {}) {
    std::vector<std::string> argv = {kTollgate, "run", "--events", dir.file("events.jsonl")};
    argv.insert(argv.end(), tollgate_args.begin(), tollgate_args.end());
    argv.push_back("--");
    argv.push_back(kProbe);
    argv.insert(argv.end(), probe_args.begin(), probe_args.end());
    return run_process(argv);
  }
  std::vector<nlohmann::json> events() {
    std::vector<nlohmann::json> out;
    std::istringstream in(read_file(dir.file("events.jsonl")));
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  TempDir dir;
};

TEST_F(DefaultPolicyTest, SensitiveCallsAreDeniedWithEpermAndLogged) {
  const std::string mnt = dir.file("mnt");
  std::filesystem::create_directory(mnt);
  const std::vector<SensitiveCall> calls = {
      {{"mount", "none", mnt, "tmpfs"}, "mount"},
      {{"umount2", mnt}, "umount2"},
      {{"settimeofday"}, "settimeofday"},
      {{"clock_settime"}, "clock_settime"},
      {{"reboot"}, "reboot"},
      {{"mknod-dev", dir.file("sda"), "b", "8", "0"}, "mknodat"},  // null is emulated: emulated_syscalls_test
  };
  for (const auto& call : calls) {
    ProcessResult r = run(call.probe_args);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find(call.probe_args[0] + ": ret=-1 errno=EPERM"), std::string::npos) << call.syscall << ": " << r.out;
    EXPECT_NE(r.err.find(call.syscall + "("), std::string::npos) << "no decision line for " << call.syscall << ": " << r.err;
    EXPECT_NE(r.err.find("-> EPERM (policy default.json: rule"), std::string::npos) << r.err;
  }
  // Exactly one notification per sensitive call, each for that call.
  auto all = events();
  ASSERT_EQ(all.size(), calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(all[i]["syscall"], calls[i].syscall);
    EXPECT_EQ(all[i]["action"], "deny");
    EXPECT_EQ(all[i]["errno"], "EPERM");
    EXPECT_TRUE(all[i]["rule"].is_string());
    EXPECT_EQ(all[i]["policy"], "default.json");
  }
  EXPECT_EQ(all[0]["strings"]["0"], "none");
  EXPECT_EQ(all[0]["strings"]["1"], mnt);
  EXPECT_EQ(all[0]["strings"]["2"], "tmpfs");
  EXPECT_EQ(all[0]["comm"], "tg_probe");
  EXPECT_FALSE(std::filesystem::exists(dir.file("sda")));
}

TEST_F(DefaultPolicyTest, OrdinaryCallsNeverReachTheSupervisor) {
  for (auto args : std::vector<std::vector<std::string>>{{"getpid"}, {"open", "/etc/hostname"}, {"write"}, {"getppid"}}) {
    ProcessResult r = run(args);
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find(args[0] + ": ret="), std::string::npos);
    EXPECT_EQ(r.out.find("errno=E"), std::string::npos) << r.out;
  }
  EXPECT_EQ(count_lines(dir.file("events.jsonl")), 0u) << read_file(dir.file("events.jsonl"));
}

TEST_F(DefaultPolicyTest, RealMountCommandIsDeniedAndNothingIsMounted) {
  const std::string mnt = dir.file("mnt");
  std::filesystem::create_directory(mnt);
  ProcessResult r = run_process({kTollgate, "run", "--", "/bin/mount", "-t", "tmpfs", "none", mnt});
  EXPECT_EQ(r.status, 32) << r.err;  // mount(8): "mount failure"
  EXPECT_NE(r.err.find("permission denied"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("mount(\"none\", \"" + mnt + "\", \"tmpfs\""), std::string::npos) << r.err;
  EXPECT_EQ(read_file("/proc/self/mounts").find(mnt), std::string::npos);
}

TEST_F(DefaultPolicyTest, QuietSilencesDecisionLines) {
  ProcessResult r = run({"settimeofday"}, {"-q"});
  EXPECT_NE(r.out.find("errno=EPERM"), std::string::npos);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(count_lines(dir.file("events.jsonl")), 1u);
}

TEST_F(DefaultPolicyTest, TargetCannotInstallItsOwnListener) {
  ProcessResult r = run({"seccomp-listener"});
  EXPECT_NE(r.out.find("seccomp-listener: ret=-1 errno=EPERM"), std::string::npos) << r.out;
}

TEST_F(DefaultPolicyTest, ListenerIsNotOpenInTheTarget) {
  ProcessResult r = run({"list-fds"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("fd 0 ->"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("seccomp"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("pidfd"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace tollgate::testing
