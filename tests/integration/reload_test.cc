// `ctl reload`: a running target's rules change without dropping its listener; a bad policy is refused and
// the old rules keep deciding. The daemon re-reads only the policies it chose itself, from its own
// --policy-dir: here a user let in with --allow-uid names one in its metadata (root's own handovers carry
// their policy document, and no path a peer sends is ever read; hostile_input_test.cc checks that).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "tests/integration/harness.h"

namespace tollgate::testing {
namespace {

std::string deny_policy(const std::string& errno_name) {
  return R"({
  "comment": "test: settimeofday denied with a chosen errno",
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["settimeofday"], "action": "SCMP_ACT_NOTIFY", "comment": "test"}],
  "rules": [{"name": "deny-time", "syscalls": ["settimeofday"], "action": "deny", "errno": ")" +
         errno_name + R"("}]
})";
}

// A daemon that serves nobody (uid 65534) with the policies in DIR/policies.
std::unique_ptr<SuperviseDaemon> daemon_with_policy_dir(const TempDir& dir) {
  chmod(dir.path().c_str(), 0755);
  std::filesystem::create_directories(dir.file("policies"));
  write_file(dir.file("policies/default.json"), read_file(kPolicyDir + "/default.json"));
  return std::make_unique<SuperviseDaemon>(
      dir, true, std::vector<std::string>{"--allow-uid", "65534", "--policy-dir", dir.file("policies")});
}

// `tollgate run` as nobody, asking for the daemon's policy "p" (the filter comes from the same file).
std::vector<std::string> run_as_nobody(const SuperviseDaemon& daemon, const std::string& policy,
                                       const std::string& script) {
  return {"/usr/bin/setpriv",
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          kTollgate,
          "run",
          "-q",
          "--supervisor",
          daemon.socket(),
          "--policy",
          policy,
          "--metadata",
          "policy=p",
          "--",
          "/bin/sh",
          "-c",
          script};
}

TEST(Reload, NewRulesApplyToARunningTargetAndABadPolicyIsRefused) {
  TempDir dir;
  auto daemon_owner = daemon_with_policy_dir(dir);
  SuperviseDaemon& daemon = *daemon_owner;
  const std::string policy = dir.file("policies/p.json");
  write_file(policy, deny_policy("EROFS"));
  auto ctl = [&](const std::string& cmd) {
    return run_process({kTollgate, "ctl", "--socket", daemon.control_socket(), cmd},
                       std::chrono::seconds(20));
  };
  // One target, three calls, each after the test says go (a line on a fifo).
  const std::string go1 = dir.file("go1"), go2 = dir.file("go2"), out = dir.file("target.out");
  ASSERT_EQ(mkfifo(go1.c_str(), 0644), 0);
  ASSERT_EQ(mkfifo(go2.c_str(), 0644), 0);
  const std::string script = kProbe + " settimeofday; read x < " + go1 + "; " + kProbe +
                             " settimeofday; read x < " + go2 + "; " + kProbe + " settimeofday";
  BackgroundProcess target(run_as_nobody(daemon, policy, script), out, dir.file("target.err"));
  auto lines = [&] { return count_lines(out); };
  ASSERT_TRUE(eventually([&] { return lines() == 1; })) << read_file(out) << read_file(dir.file("target.err"))
                                                       << daemon.stderr_text();

  write_file(policy, deny_policy("EACCES"));
  ProcessResult r = ctl("reload");
  EXPECT_EQ(r.status, 0) << r.err;
  write_file(go1, "go\n");
  ASSERT_TRUE(eventually([&] { return lines() == 2; })) << read_file(out);

  write_file(policy, "{ this is not a policy");
  ProcessResult bad = ctl("reload");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("p.json"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("keeps its current rules"), std::string::npos) << bad.err;
  write_file(go2, "go\n");
  ASSERT_TRUE(eventually([&] { return lines() == 3; })) << read_file(out);
  EXPECT_EQ(target.wait(), 0);

  const std::string seen = read_file(out);
  const size_t first = seen.find("errno=EROFS"), second = seen.find("errno=EACCES", first),
               third = seen.find("errno=EACCES", second + 1);
  EXPECT_NE(first, std::string::npos) << seen;
  EXPECT_NE(second, std::string::npos) << seen;
  EXPECT_NE(third, std::string::npos) << seen;  // the bad policy changed nothing
  EXPECT_TRUE(daemon.alive());
}

TEST(Reload, SighupReloadsLikeCtlReload) {
  TempDir dir;
  auto daemon_owner = daemon_with_policy_dir(dir);
  SuperviseDaemon& daemon = *daemon_owner;
  const std::string policy = dir.file("policies/p.json");
  write_file(policy, deny_policy("EROFS"));
  // A target that makes one call per line written to its fifo, for as long as the fifo stays open.
  const std::string go = dir.file("go"), out = dir.file("target.out");
  ASSERT_EQ(mkfifo(go.c_str(), 0644), 0);
  BackgroundProcess target(
      run_as_nobody(daemon, policy, "while read x; do " + kProbe + " settimeofday; done < " + go), out,
      dir.file("target.err"));
  int writer = open(go.c_str(), O_WRONLY | O_CLOEXEC);  // blocks until the target opens it
  ASSERT_GE(writer, 0);
  auto call = [&] {
    const size_t before = count_lines(out);
    EXPECT_EQ(write(writer, "go\n", 3), 3);
    EXPECT_TRUE(eventually([&] { return count_lines(out) == before + 1; }));
    std::string all = read_file(out);
    all.pop_back();
    return all.substr(all.rfind('\n') + 1);
  };
  EXPECT_NE(call().find("errno=EROFS"), std::string::npos);
  write_file(policy, deny_policy("ENOSPC"));
  ASSERT_EQ(kill(daemon.pid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] { return call().find("errno=ENOSPC") != std::string::npos; }));
  close(writer);
  EXPECT_EQ(target.wait(), 0);
  EXPECT_TRUE(daemon.alive());
}

}  // namespace
}  // namespace tollgate::testing
