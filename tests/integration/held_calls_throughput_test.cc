// Held calls are independent: while ten calls from other targets wait for a person, another target's
// rule-decided calls are all answered, and the ten are still held afterwards, each answered on its own.
// (How fast those calls run is a measurement, not a test: bench/ is the place for rates.)
#include <gtest/gtest.h>

#include "tests/integration/control_test_client.h"
#include "tests/integration/harness.h"

namespace tollgate::testing {
namespace {

constexpr const char* kPolicy = R"({
  "comment": "test: settimeofday is asked about, getppid decided by a rule",
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["settimeofday", "getppid"], "action": "SCMP_ACT_NOTIFY", "comment": "test"}],
  "rules": [
    {"name": "ask-time", "syscalls": ["settimeofday"], "action": "ask", "timeout": 600},
    {"name": "getppid-99", "syscalls": ["getppid"], "action": "deny", "errno": 99, "log": "none"}
  ]
})";

TEST(HeldCalls, TenHeldCallsDoNotHoldUpAnotherTargetsRuleDecidedCalls) {
  TempDir dir;
  write_file(dir.file("policy.json"), kPolicy);
  SuperviseDaemon daemon(dir, /*with_events=*/false);

  std::vector<std::unique_ptr<BackgroundProcess>> held;
  for (int i = 0; i < 10; ++i)
    held.push_back(std::make_unique<BackgroundProcess>(
        std::vector<std::string>{kTollgate, "run", "-q", "--supervisor", daemon.socket(), "--policy",
                                 dir.file("policy.json"), "--", kProbe, "settimeofday"},
        dir.file("held" + std::to_string(i) + ".out"), dir.file("held" + std::to_string(i) + ".err")));
  ControlTestClient control(daemon.control_socket());
  nlohmann::json pending;
  ASSERT_TRUE(eventually([&] {
    pending = control.request({{"v", 1}, {"cmd", "pending"}})["pending"];
    return pending.size() == 10;
  })) << pending.dump();

  // Every call answered by its rule while the ten wait (they would wait ten minutes for an answer):
  // getppid-loop checks each of the 100000 answers. The bound only guards against a hang.
  ProcessResult r = run_process({kTollgate, "run", "-q", "--supervisor", daemon.socket(), "--policy",
                                 dir.file("policy.json"), "--", kProbe, "getppid-loop", "100000", "99"},
                                std::chrono::seconds(300));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("calls=100000 wrong=0"), std::string::npos) << r.out << r.err;

  // Still held, all ten, and each answered on its own.
  pending = control.request({{"v", 1}, {"cmd", "pending"}})["pending"];
  ASSERT_EQ(pending.size(), 10u);
  for (const auto& c : pending)
    EXPECT_EQ(control.request({{"v", 1}, {"cmd", "deny"}, {"id", c["id"]}, {"errno", "EROFS"}})["ok"], true);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(held[i]->wait(std::chrono::seconds(10)), 0);
    EXPECT_NE(read_file(dir.file("held" + std::to_string(i) + ".out")).find("errno=EROFS"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace tollgate::testing
