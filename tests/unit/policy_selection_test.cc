#include "supervisor/decide/policy_selection.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "supervisor/decide/container_registry.h"

namespace tollgate {
namespace {

namespace fs = std::filesystem;

TEST(ListenerMetadataTest, KeyValueLines) {
  auto m =
      parse_listener_metadata("policy=rootless-mount\n  mode = enforce \n# a comment\n\nteam=payments\n");
  ASSERT_TRUE(m.has_value()) << m.error();
  EXPECT_EQ(m->policy, "rootless-mount");
  EXPECT_EQ(m->mode, PolicyMode::Enforce);
  EXPECT_EQ(m->other, (std::map<std::string, std::string>{{"team", "payments"}}));
  auto empty = parse_listener_metadata("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_FALSE(empty->policy.has_value());
  EXPECT_EQ(empty->mode, PolicyMode::Enforce);
  for (auto [text, mode] :
       {std::pair{"mode=audit", PolicyMode::Audit}, {"mode=explain", PolicyMode::Explain}}) {
    auto parsed = parse_listener_metadata(text);
    ASSERT_TRUE(parsed.has_value()) << parsed.error();
    EXPECT_EQ(parsed->mode, mode);
  }
}

TEST(ListenerMetadataTest, RejectsWhatItCannotRead) {
  auto error_of = [](std::string_view text) {
    auto m = parse_listener_metadata(text);
    return m ? std::string("(parsed)") : m.error();
  };
  EXPECT_NE(error_of("policy=a\njust words").find("line 2: expected key=value"), std::string::npos);
  EXPECT_NE(error_of("=x").find("empty key"), std::string::npos);
  EXPECT_NE(error_of("policy=a\npolicy=b").find("given twice"), std::string::npos);
  EXPECT_NE(error_of("mode=permissive").find("mode must be audit, explain, enforce or learn"), std::string::npos);
  EXPECT_NE(error_of("policy=").find("empty policy name"), std::string::npos);
}

TEST(PolicySelectionTest, MetadataThenAnnotationThenDefault) {
  const std::map<std::string, std::string> annotated = {{"io.tollgate.policy", "from-annotation"}};
  ListenerMetadata named;
  named.policy = "from-metadata";
  named.mode = PolicyMode::Audit;
  PolicySelection s = select_policy(named, annotated, "default");
  EXPECT_EQ(s.name, "from-metadata");
  EXPECT_EQ(s.source, "listenerMetadata");
  EXPECT_EQ(s.mode, PolicyMode::Audit);
  s = select_policy(ListenerMetadata{}, annotated, "default");
  EXPECT_EQ(s.name, "from-annotation");
  EXPECT_EQ(s.source, "annotation");
  s = select_policy(ListenerMetadata{}, {{"other", "x"}}, "default");
  EXPECT_EQ(s.name, "default");
  EXPECT_EQ(s.source, "default");
}

class PolicyDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/tollgate-unit-XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    root_ = templ;
    fs::create_directories(root_ / "policies" / "team");
    std::ofstream(root_ / "policies" / "strict.json") << "{}";
    std::ofstream(root_ / "policies" / "team" / "web.json") << "{}";
    std::ofstream(root_ / "secret.json") << "{}";
    fs::create_symlink(root_ / "secret.json", root_ / "policies" / "escape.json");
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string error_of(std::string_view name) {
    auto r = resolve_policy_name(root_ / "policies", name);
    return r ? "(resolved to " + r->string() + ")" : r.error();
  }
  fs::path root_;
};

TEST_F(PolicyDirTest, NamesResolveInsideTheDirectory) {
  auto a = resolve_policy_name(root_ / "policies", "strict");
  ASSERT_TRUE(a.has_value()) << a.error();
  EXPECT_EQ(*a, fs::canonical(root_ / "policies" / "strict.json"));
  auto b = resolve_policy_name(root_ / "policies", "strict.json");
  ASSERT_TRUE(b.has_value()) << b.error();
  EXPECT_EQ(*a, *b);
  auto c = resolve_policy_name(root_ / "policies", "team/web");
  ASSERT_TRUE(c.has_value()) << c.error();
}

TEST_F(PolicyDirTest, PathsOutsideAreRefused) {
  EXPECT_NE(error_of("../secret").find("\"..\" is refused"), std::string::npos);
  EXPECT_NE(error_of("team/../../secret").find("\"..\" is refused"), std::string::npos);
  EXPECT_NE(error_of((root_ / "secret.json").string()).find("absolute paths are refused"), std::string::npos);
  EXPECT_NE(error_of("escape").find("resolves outside"), std::string::npos);
  EXPECT_NE(error_of("missing").find("no such policy"), std::string::npos);
  EXPECT_NE(error_of("team").find("no such policy"), std::string::npos);  // team.json does not exist
  EXPECT_NE(error_of("").find("empty policy name"), std::string::npos);
}

TEST(ContainerRegistryTest, ARelativeBundleMatchesOnlyAnUnambiguousId) {
  ContainerRegistry registry;
  auto a = registry.add(ContainerRecord{"web-1", "/runc/web-1", "a.json", PolicyMode::Enforce, nullptr});
  ContainerMembership hold_a(a);
  EXPECT_EQ(registry.find("web-1", ""), a);
  auto b = registry.add(ContainerRecord{"web-1", "/crun/web-1", "b.json", PolicyMode::Enforce, nullptr});
  ContainerMembership hold_b(b);
  EXPECT_EQ(registry.find("web-1", "."), nullptr);
  EXPECT_EQ(registry.find("web-1", "/crun/web-1"), b);
}

TEST(ContainerRegistryTest, GroupsProcessesAndReleasesWithTheLastOne) {
  ContainerRegistry registry;
  auto record = registry.add(ContainerRecord{"web-1", "/b", "default.json", PolicyMode::Enforce, nullptr});
  auto init = std::make_unique<ContainerMembership>(record);
  auto exec = std::make_unique<ContainerMembership>(registry.find("web-1", "/b"));
  EXPECT_EQ(registry.find("web-1", "/b"), record);
  EXPECT_EQ(registry.find("web-1", "/other-bundle"), nullptr);
  EXPECT_EQ(registry.find("web-1", "."), record);  // crun exec's bundle
  EXPECT_EQ(registry.find("web-2", "."), nullptr);
  EXPECT_EQ(record->listeners.get(), 2u);
  record.reset();
  init.reset();
  ASSERT_EQ(registry.list().size(), 1u);
  EXPECT_EQ(registry.list()[0]->listeners.get(), 1u);
  exec.reset();
  EXPECT_TRUE(registry.list().empty());
  EXPECT_EQ(registry.find("web-1", "/b"), nullptr);
}

}  // namespace
}  // namespace tollgate
