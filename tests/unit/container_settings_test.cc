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

// tollgate-shim(1) lists runtime_config_settings(): each listed key must be one the parser takes and that
// changes the configuration, or the page documents a setting that does nothing.
TEST(RuntimeConfigFile, EveryDocumentedKeyIsParsedAndSetsSomething) {
  for (const auto& setting : runtime_config_settings()) {
    json doc = {{std::string(setting.key), "/some/value"}};
    auto c = parse_runtime_config(doc.dump(), "f.json");
    ASSERT_TRUE(c) << setting.key << ": " << c.error();
    EXPECT_NE(*c, RuntimeConfig{}) << setting.key << " changed nothing";
  }
}

// The man page's modes are the parser's: every listed name parses back to its mode, and every mode is listed.
TEST(ContainerSettings, EveryModeIsListedAndParsesByName) {
  for (const auto& info : shim_modes()) {
    EXPECT_EQ(parse_shim_mode(info.name), info.mode);
    EXPECT_EQ(to_string(info.mode), info.name);
    EXPECT_FALSE(info.summary.empty()) << info.name;
  }
  EXPECT_EQ(shim_modes().size(), 5u) << "a ShimMode was added: list it in shim_modes()";
}

}  // namespace
}  // namespace tollgate
