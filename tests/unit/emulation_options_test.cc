// Emulation handler options: validated when the policy loads, errors naming the JSON pointer; the mount
// policy's matching of types, data options and paths.
#include <gtest/gtest.h>

#include "core/policy_parser.h"
#include "supervisor/emulation/emulation_handlers.h"
#include "supervisor/emulation/mount/mount_policy.h"

namespace tollgate {
namespace {

PolicyParseOptions real_handlers() {
  PolicyParseOptions o;
  o.handler_exists = emulation_handler_exists;
  o.handler_options_error =
      [](std::string_view name,
         const nlohmann::json& options) -> std::optional<std::pair<std::string, std::string>> {
    auto made = make_emulation_handler(name, options);
    if (made) return std::nullopt;
    return std::make_pair(made.error().json_pointer, made.error().message);
  };
  return o;
}

PolicyError load_error(const std::string& handler, const std::string& options) {
  const std::string text =
      R"({"defaultAction": "SCMP_ACT_ALLOW", "rules": [{"syscalls": ["mount"], "action": "emulate",
      "handler": ")" +
      handler + R"(", "options": )" + options + "}]}";
  auto p = parse_policy_text(text, "t.json", real_handlers());
  if (p) {
    ADD_FAILURE() << handler << " accepted " << options;
    return {};
  }
  return p.error();
}

TEST(EmulationHandlers, RegistryNamesEveryHandler) {
  for (std::string_view name : {"mknod", "mount", "reboot", "time", "umount"})
    EXPECT_TRUE(emulation_handler_exists(name)) << name;
  EXPECT_FALSE(emulation_handler_exists("bind-mount"));
  EXPECT_FALSE(make_emulation_handler("bind-mount", nlohmann::json::object()).has_value());
}

TEST(EmulationHandlers, ShippedPoliciesLoadWithRealHandlers) {
  for (const char* name : {"/default.json", "/rootless-mount.json"}) {
    auto p = load_policy_file(std::string(TOLLGATE_SOURCE_POLICY_DIR) + name, real_handlers());
    ASSERT_TRUE(p.has_value()) << p.error().to_string();
    for (const Rule& r : (*p)->rules) EXPECT_FALSE(r.comment.empty()) << name << r.json_pointer;
  }
}

TEST(EmulationHandlers, BadOptionsNameTheirJsonPointer) {
  struct Case {
    std::string handler, options, pointer, message;
  };
  const Case cases[] = {
      {"time", R"({"mode": "fast"})", "/rules/0/options/mode", "unknown value"},
      {"time", R"({"mode": "host"})", "/rules/0/options/max_step_seconds", "required"},
      {"time", R"({"max_step_seconds": -1})", "/rules/0/options/max_step_seconds", "expected a number"},
      {"time", R"({"speed": 1})", "/rules/0/options/speed", "unknown option"},
      {"time", R"({"require_cap_sys_time": "no"})", "/rules/0/options/require_cap_sys_time", "true or false"},
      {"time", R"({"mode": "host", "max_step_seconds": 1, "require_cap_sys_time": false})",
       "/rules/0/options/require_cap_sys_time", "must stay true"},
      {"reboot", R"({"mode": "reboot"})", "/rules/0/options/mode", "unknown value"},
      {"mknod", R"({"devices": ["null", "sda"]})", "/rules/0/options/devices/1", "unknown value"},
      {"mount", R"({"fstypes": {"tmpfs": []}})", "/rules/0/options/targets", "required"},
      {"mount", R"({"targets": ["mnt/*"]})", "/rules/0/options/targets/0", "absolute"},
      {"mount", R"({"targets": ["/mnt"], "fstypes": {"tmpfs": "size=*"}})", "/rules/0/options/fstypes/tmpfs",
       "array"},
      {"mount", R"({"targets": ["/mnt"], "flags": ["bind"]})", "/rules/0/options/bind_sources", "required"},
      {"mount", R"({"targets": ["/mnt"], "flags": ["move"]})", "/rules/0/options/flags/0", "unknown value"},
      {"mount", R"({"targets": ["/mnt"], "idmap": "yes"})", "/rules/0/options/idmap", "true or false"},
      {"mount", R"({"targets": ["/mnt"], "fstypes": {"sysfs": []}})", "/rules/0/options/fstypes/sysfs",
       "namespaces"},
      {"umount", R"({"x": 1})", "/rules/0/options", "no options"},
  };
  for (const Case& c : cases) {
    PolicyError e = load_error(c.handler, c.options);
    EXPECT_EQ(e.json_pointer, c.pointer) << c.handler << " " << c.options << ": " << e.message;
    EXPECT_NE(e.message.find(c.message), std::string::npos)
        << c.handler << " " << c.options << ": " << e.message;
  }
}

TEST(MountPolicy, MatchesTypesDataAndResolvedPaths) {
  auto p =
      MountPolicy::parse(nlohmann::json::parse(R"({"fstypes": {"tmpfs": ["size=*", "mode=*"], "ext4": []},
      "targets": ["/mnt", "/mnt/*"], "sources": ["/srv/images/*.img"], "flags": ["bind"], "bind_sources": ["/srv/*"]})"));
  ASSERT_TRUE(p.has_value()) << p.error().message;
  EXPECT_NE(p->data_globs("tmpfs"), nullptr);
  EXPECT_EQ(p->data_globs("ramfs"), nullptr);
  EXPECT_TRUE(p->data_allowed("tmpfs", ""));
  EXPECT_TRUE(p->data_allowed("tmpfs", "size=1m,mode=0755"));
  EXPECT_FALSE(p->data_allowed("tmpfs", "size=1m,huge=always"));
  EXPECT_FALSE(p->data_allowed("ext4", "errors=panic"));
  EXPECT_TRUE(p->target_allowed("/mnt"));
  EXPECT_TRUE(p->target_allowed("/mnt/data"));
  EXPECT_FALSE(p->target_allowed("/mnt/data/deeper"));  // '*' never crosses a '/'
  EXPECT_FALSE(p->target_allowed("/etc"));
  EXPECT_TRUE(p->source_allowed("/srv/images/a.img"));
  EXPECT_FALSE(p->source_allowed("/srv/images/../../dev/sda"));
  EXPECT_TRUE(p->bind && !p->rec && !p->remount && !p->exec && !p->idmap);
}

TEST(MountPolicy, SplitsDataOptions) {
  auto items = split_mount_data("size=1m,,ro,mode=0755");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].first, "size");
  EXPECT_EQ(items[0].second, "1m");
  EXPECT_EQ(items[1].first, "ro");
  EXPECT_FALSE(items[1].second.has_value());
  EXPECT_EQ(items[2].second, "0755");
}

}  // namespace
}  // namespace tollgate
