// Podman's real profile (/usr/share/containers/seccomp.json, Debian golang-github-containers-common),
// with getppid and uname switched to NOTIFY: those two reach the supervisor, and every other syscall behaves
// exactly as the profile prescribes. Expectations cite the profile entry that decides them.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

namespace tollgate::testing {
namespace {

std::string notify_variant_of_podman_profile(const TempDir& dir) {
  std::ifstream in(kPodmanProfile);
  nlohmann::json profile = nlohmann::json::parse(in);
  for (auto& entry : profile["syscalls"]) {
    auto& names = entry["names"];
    names.erase(std::remove_if(names.begin(), names.end(),
                               [](const nlohmann::json& n) { return n == "getppid" || n == "uname"; }),
                names.end());
  }
  profile["syscalls"].insert(profile["syscalls"].begin(),
                             nlohmann::json{{"names", {"getppid", "uname"}}, {"action", "SCMP_ACT_NOTIFY"}});
  const std::string path = dir.file("podman-notify.json");
  write_file(path, profile.dump(2));
  return path;
}

struct Expectation {
  std::vector<std::string> probe;
  std::string result;  // substring of the probe's line: "errno=ENOSYS", or "errno=0" for success
  std::string why;
};

class PodmanProfile : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kPodmanProfile)) << "install golang-github-containers-common";
    profile_ = notify_variant_of_podman_profile(dir_);
  }
  ProcessResult run(const std::vector<std::string>& probe, const std::vector<std::string>& prefix = {}) {
    std::vector<std::string> argv = prefix;
    for (const auto& a : {kTollgate, std::string("run"), std::string("-q"), std::string("--events"),
                          dir_.file("events.jsonl"), std::string("--profile"), profile_, std::string("--"), kProbe})
      argv.push_back(a);
    argv.insert(argv.end(), probe.begin(), probe.end());
    return run_process(argv);
  }
  void check(const std::vector<Expectation>& table, const std::vector<std::string>& prefix = {}) {
    for (const auto& e : table) {
      ProcessResult r = run(e.probe, prefix);
      EXPECT_EQ(r.status, 0) << e.probe[0] << ": " << r.err;
      EXPECT_NE(r.out.find(e.result), std::string::npos)
          << e.probe[0] << " should give " << e.result << " (" << e.why << "), got: " << r.out << r.err;
    }
  }
  TempDir dir_;
  std::string profile_;
};

TEST_F(PodmanProfile, NotifiedCallsReachTheSupervisorAndNothingElseDoes) {
  check({
      {{"getppid"}, "getppid: ret=-1 errno=EPERM", "NOTIFY, no rule: the supervisor denies"},
      {{"uname"}, "uname: ret=-1 errno=EPERM", "NOTIFY, no rule: the supervisor denies"},
      {{"getpid"}, "getpid: ret=", "allowed by the big allow entry"},
      {{"write"}, "write: ret=2 errno=0", "allowed"},
      {{"open", "/etc/hostname"}, "errno=0", "allowed"},
  });
  EXPECT_EQ(count_lines(dir_.file("events.jsonl")), 2u) << read_file(dir_.file("events.jsonl"));
}

TEST_F(PodmanProfile, EveryOtherSyscallBehavesAsTheProfileSays) {
  check({
      // args: personality is allowed only for 0, 8, 0x20000, 0x20008 and 0xffffffff (five entries, same index: OR).
      {{"personality", "0xffffffff"}, "personality: ret=0 errno=0", "args entry value 4294967295"},
      {{"personality", "0x0040000"}, "personality: ret=-1 errno=ENOSYS", "no entry: defaultErrnoRet 38"},
      // ERRNO with errnoRet 1: the first entry lists swapoff; run natively, root would get ENOENT.
      {{"swapoff", "/nonexistent"}, "swapoff: ret=-1 errno=EPERM", "entry 0, errnoRet 1"},
      // Not in the profile at all: the default action, ENOSYS.
      {{"add_key"}, "add_key: ret=-1 errno=ENOSYS", "defaultAction SCMP_ACT_ERRNO, defaultErrnoRet 38"},
      // includes.arches amd64.
      {{"arch_prctl"}, "arch_prctl: ret=0 errno=0", "includes.arches [amd64, x32]"},
      // includes.caps CAP_SYS_ADMIN: allowed, so the kernel itself answers (EINVAL for a bogus command).
      {{"raw-bpf"}, "bpf: ret=-1 errno=EINVAL", "includes.caps CAP_SYS_ADMIN"},
      // excludes.caps CAP_AUDIT_WRITE: we have the cap, so the unconditional socket entry allows it.
      {{"socket", "16", "3", "9"}, "errno=0", "socket entry with includes.caps CAP_AUDIT_WRITE"},
  });
  EXPECT_EQ(count_lines(dir_.file("events.jsonl")), 0u);
}

TEST_F(PodmanProfile, CapabilityConditionsFollowTheBoundingSet) {
  // Without CAP_AUDIT_WRITE and CAP_SYS_ADMIN in tollgate's bounding set, the profile's excludes/includes
  // pick the other entries, exactly as Podman would resolve them for such a container.
  const std::vector<std::string> drop = {"/usr/bin/setpriv", "--bounding-set=-audit_write,-sys_admin", "--"};
  check({
      // excludes.caps CAP_AUDIT_WRITE + args: ERRNO errnoRet 22 for AF_NETLINK/NETLINK_AUDIT. Natively, creating
      // that socket needs no capability, so EINVAL can only come from the profile.
      {{"socket", "16", "3", "9"}, "socket: ret=-1 errno=EINVAL", "entry 30, errnoRet 22"},
      {{"socket", "16", "3", "0"}, "errno=0", "entry 32: AF_NETLINK with another protocol"},
      {{"socket", "2", "1", "0"}, "errno=0", "entry 31/32: AF_INET"},
      {{"raw-bpf"}, "bpf: ret=-1 errno=EPERM", "entry 15: excludes.caps CAP_SYS_ADMIN, errnoRet 1"},
  },
        drop);
}


TEST(PodmanProfileUnchanged, LoadsAsProfileAndAsPolicyWithANoteNamingTheLeftOutNames) {
  // Unchanged, as `--profile` (a Docker profile) and as `--policy` (a tollgate policy): names this machine
  // does not have are left out as runc does, and stderr says which, once.
  const std::string note =
      "note: " + kPodmanProfile + ": left out of the filter, as runc does (no such syscall here): bdflush";
  for (const char* option : {"--profile", "--policy"}) {
    ProcessResult r = run_process({kTollgate, "run", "-q", option, kPodmanProfile, "--", kProbe, "getpid"});
    EXPECT_EQ(r.status, 0) << option << ": " << r.err;
    EXPECT_NE(r.out.find("getpid: ret="), std::string::npos) << option << ": " << r.out;
    const size_t first = r.err.find(note);
    EXPECT_NE(first, std::string::npos) << option << ": " << r.err;
    EXPECT_EQ(r.err.find(note, first + 1), std::string::npos) << option << ": once: " << r.err;
  }
  ProcessResult lint = run_process({kTollgate, "lint", kPodmanProfile});
  EXPECT_EQ(lint.out.find("does-not-parse"), std::string::npos) << lint.out;
  EXPECT_NE(lint.out.find("0 error(s)"), std::string::npos) << lint.out;
}

}  // namespace
}  // namespace tollgate::testing
