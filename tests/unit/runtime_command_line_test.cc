#include "shim/runtime_command_line.h"

#include <gtest/gtest.h>

#include "shim/runtime_log.h"

namespace tollgate {
namespace {

TEST(RuntimeCommandLine, ReadsGlobalLogFlagsBundleAndIdOfCreate) {
  auto line = read_runtime_command_line({"--root", "/run/docker/runtime-runc/moby", "--log", "/x/log.json",
                                         "--log-format", "json", "--systemd-cgroup", "create", "--bundle",
                                         "/b", "--pid-file", "/b/init.pid", "abc"});
  EXPECT_EQ(line.command, "create");
  EXPECT_EQ(line.log_path, "/x/log.json");
  EXPECT_EQ(line.log_format, RuntimeLogFormat::Json);
  EXPECT_EQ(line.bundle, "/b");
  EXPECT_EQ(line.container_id, "abc");
  EXPECT_TRUE(line.rewrites_spec());
}

TEST(RuntimeCommandLine, AcceptsEqualsFormsShortBundleAndCrunsValuedFlags) {
  auto line =
      read_runtime_command_line({"--cgroup-manager", "disabled", "--log=/l", "run", "-b", "/b2", "id"});
  EXPECT_EQ(line.command, "run");
  EXPECT_EQ(line.log_path, "/l");
  EXPECT_EQ(line.log_format, RuntimeLogFormat::Text);
  EXPECT_EQ(line.bundle, "/b2");
  EXPECT_EQ(read_runtime_command_line({"run", "--bundle=/b3", "id"}).bundle, "/b3");
}

TEST(RuntimeCommandLine, BundleDefaultsToTheWorkingDirectoryAndOtherCommandsAreNotRewritten) {
  EXPECT_EQ(read_runtime_command_line({"create", "id"}).bundle, ".");
  EXPECT_FALSE(read_runtime_command_line({"--root", "/r", "state", "id"}).rewrites_spec());
  EXPECT_FALSE(read_runtime_command_line({"--version"}).command.has_value());
}

TEST(RuntimeLog, LinesLookLikeRuncs) {
  EXPECT_EQ(format_runtime_log_line(RuntimeLogFormat::Json, "error", "no \"socket\"", "2026-12-01T21:00:00Z"),
            "{\"level\":\"error\",\"msg\":\"no \\\"socket\\\"\",\"time\":\"2026-12-01T21:00:00Z\"}\n");
  EXPECT_EQ(format_runtime_log_line(RuntimeLogFormat::Text, "error", "boom", "T"),
            "time=\"T\" level=error msg=\"boom\"\n");
}

}  // namespace
}  // namespace tollgate
