#include "shim/seccomp_rewrite.h"

#include <gtest/gtest.h>

#include "profile/profile_variants.h"

namespace tollgate {
namespace {

using nlohmann::json;

TEST(EnforceVariant, MovesNotifiedCallsOutOfEngineEntriesAndSetsTheListener) {
  json engine = {{"defaultAction", "SCMP_ACT_ERRNO"},
                 {"architectures", {"SCMP_ARCH_X86_64"}},
                 {"syscalls",
                  {{{"names", {"read", "mount"}}, {"action", "SCMP_ACT_ALLOW"}},
                   {{"names", {"settimeofday"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}}}}};
  auto v = enforce_variant(&engine, {"mount", "settimeofday"}, {"/s.sock", "policy=p\nmode=enforce"});
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ((*v)["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ((*v)["architectures"], engine["architectures"]);
  ASSERT_EQ((*v)["syscalls"].size(), 2u);
  EXPECT_EQ((*v)["syscalls"][0]["names"], json({"read"}));
  EXPECT_EQ((*v)["syscalls"][1], json({{"names", {"mount", "settimeofday"}}, {"action", "SCMP_ACT_NOTIFY"}}));
  EXPECT_EQ((*v)["listenerPath"], "/s.sock");
  EXPECT_EQ((*v)["listenerMetadata"], "policy=p\nmode=enforce");
}

TEST(EnforceVariant, NoEngineProfileMeansAllowEverythingElse) {
  auto v = enforce_variant(nullptr, {"mount"}, {"/s", "m"});
  ASSERT_TRUE(v);
  EXPECT_EQ((*v)["defaultAction"], "SCMP_ACT_ALLOW");
  EXPECT_EQ((*v)["syscalls"].size(), 1u);
}

TEST(EnforceVariant, RefusesAProfileThatAlreadyHasAListener) {
  json engine = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"listenerPath", "/other.sock"}};
  EXPECT_FALSE(enforce_variant(&engine, {"mount"}, {"/s", "m"}));
}

TEST(RuntimeNotifyVariant, KeepsTheDenyingDefaultAndNotifiesEveryUnnamedSyscallWithoutErrnoRet) {
  json engine = {{"defaultAction", "SCMP_ACT_ERRNO"},
                 {"defaultErrnoRet", 38},
                 {"syscalls",
                  {{{"names", {"read", "getpid"}}, {"action", "SCMP_ACT_ALLOW"}},
                   {{"names", {"mount", "write"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 13}}}}};
  json v = runtime_notify_variant(engine);
  EXPECT_EQ(v["defaultAction"], "SCMP_ACT_ERRNO");  // runc refuses a NOTIFY default
  EXPECT_EQ(v["defaultErrnoRet"], 38);
  std::set<std::string> notified;
  for (const auto& e : v["syscalls"]) {
    if (e["action"] != "SCMP_ACT_NOTIFY") continue;
    EXPECT_FALSE(e.contains("errnoRet")) << e.dump();  // crun refuses errnoRet on NOTIFY
    for (const auto& n : e["names"]) notified.insert(n.get<std::string>());
  }
  EXPECT_TRUE(notified.contains("mount"));
  EXPECT_TRUE(notified.contains("statx"));  // unnamed: the default would deny it
  EXPECT_FALSE(notified.contains("getpid"));
  for (const auto& never : never_notified_by_runtimes()) EXPECT_FALSE(notified.contains(never)) << never;
  // write keeps the profile's own denial: the runtime needs it before the listener is handed over.
  EXPECT_EQ(v["syscalls"][1], json({{"names", {"write"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 13}}));
}

TEST(RuntimeNotifyVariant, AnAllowDefaultAddsNothing) {
  json engine = {{"defaultAction", "SCMP_ACT_ALLOW"},
                 {"syscalls", {{{"names", {"mount"}}, {"action", "SCMP_ACT_KILL"}}}}};
  json v = runtime_notify_variant(engine);
  ASSERT_EQ(v["syscalls"].size(), 1u);
  EXPECT_EQ(v["syscalls"][0], json({{"names", {"mount"}}, {"action", "SCMP_ACT_NOTIFY"}}));
}

// runc refuses a NOTIFY default, crun errnoRet on NOTIFY; the engine's denials go (nothing is denied while
// learning) but its architectures stay.
TEST(LearnVariant, AllowsByDefaultAndNotifiesEverySyscallTheRuntimesLetThrough) {
  json engine = {{"defaultAction", "SCMP_ACT_ERRNO"},
                 {"defaultErrnoRet", 38},
                 {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}},
                 {"syscalls", {{{"names", {"mount"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 13}}}}};
  auto v = learn_variant(&engine, {"/s.sock", "mode=learn"});
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ((*v)["defaultAction"], "SCMP_ACT_ALLOW");
  EXPECT_FALSE(v->contains("defaultErrnoRet"));
  EXPECT_EQ((*v)["architectures"], engine["architectures"]);
  EXPECT_EQ((*v)["listenerPath"], "/s.sock");
  ASSERT_EQ((*v)["syscalls"].size(), 1u);
  const json& entry = (*v)["syscalls"][0];
  EXPECT_EQ(entry["action"], "SCMP_ACT_NOTIFY");
  EXPECT_FALSE(entry.contains("errnoRet"));
  std::set<std::string> names;
  for (const auto& n : entry["names"]) names.insert(n.get<std::string>());
  for (const char* expected : {"mount", "execve", "openat", "statx", "getpid"})
    EXPECT_TRUE(names.contains(expected)) << expected;
  for (const auto& never : never_notified_by_runtimes()) EXPECT_FALSE(names.contains(never)) << never;
}

TEST(LearnVariant, WorksWithoutAnEngineProfileAndRefusesASecondListener) {
  auto v = learn_variant(nullptr, {"/s", "mode=learn"});
  ASSERT_TRUE(v);
  EXPECT_EQ((*v)["defaultAction"], "SCMP_ACT_ALLOW");
  json taken = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"listenerPath", "/other.sock"}};
  EXPECT_FALSE(learn_variant(&taken, {"/s", "m"}));
}

}  // namespace
}  // namespace tollgate
