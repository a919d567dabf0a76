#include "shim/container_settings.h"

#include <gtest/gtest.h>

#include "shim/runtime_config.h"

namespace tollgate {
namespace {

using nlohmann::json;

json config_with(json annotations, json env) {
  return {{"annotations", annotations}, {"process", {{"env", env}}}};
}

TEST(ContainerSettings, AnnotationsWinOverEnvironmentWhichWinsOverDefaults) {
  RuntimeConfig defaults;
  defaults.mode = "audit";
  defaults.policy = "p-default";
  auto s = read_container_settings(
      config_with({{"io.tollgate.mode", "explain"}}, {"TOLLGATE_MODE=enforce", "TOLLGATE_POLICY=p-env"}),
      defaults);
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->mode, ShimMode::Explain);
  EXPECT_EQ(s->mode_source, "annotation io.tollgate.mode");
  EXPECT_EQ(s->policy, "p-env");

  s = read_container_settings(config_with(json::object(), json::array()), defaults);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->mode, ShimMode::Audit);
  EXPECT_EQ(s->policy, "p-default");
}

TEST(ContainerSettings, NothingAskedMeansNoMode) {
  auto s = read_container_settings(config_with(json::object(), {"PATH=/bin", "TOLLGATE_MODEX=enforce"}), {});
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->mode.has_value());
  EXPECT_FALSE(s->policy.has_value());
}

TEST(ContainerSettings, UnknownModeIsRefusedNamingValueAndSource) {
  auto s = read_container_settings(config_with(json::object(), {"TOLLGATE_MODE=enforcing"}), {});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().find("\"enforcing\""), std::string::npos) << s.error();
  EXPECT_NE(s.error().find("environment TOLLGATE_MODE"), std::string::npos) << s.error();
}

TEST(RuntimeConfigFile, DefaultsAndUnknownKeys) {
  auto c = parse_runtime_config(R"({"runtime": "crun", "mode": "enforce"})", "f.json");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->runtime, "crun");
  EXPECT_EQ(c->socket, "/run/tollgate/tollgate.sock");
  EXPECT_EQ(c->mode, "enforce");
  auto bad = parse_runtime_config(R"({"runtme": "crun"})", "f.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("/runtme"), std::string::npos);
}

}  // namespace
}  // namespace tollgate
