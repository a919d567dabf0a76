// command-only's pieces without a runtime: the profile compiled for the agent (and the profiles refused),
// config.json as the runtime must see it, where the filter file lives, and exec/delete command lines.
#include <gtest/gtest.h>

#include "shim/command_only_files.h"
#include "shim/command_only_filter.h"
#include "shim/command_only_spec.h"
#include "shim/runtime_command_line.h"

namespace tollgate {
namespace {

using nlohmann::json;

json engine_config() {
  return {{"process", {{"args", {"sh", "-c", "echo hi"}}, {"capabilities", {{"bounding", {"CAP_CHOWN"}}}}}},
          {"mounts", {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
                      {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"}}}},
          {"linux", {{"seccomp", {{"defaultAction", "SCMP_ACT_ERRNO"}, {"syscalls", json::array()}}}}}};
}

TEST(CommandOnlyFilter, CompilesTheEnginesProfileWithTheGuardPrefix) {
  json config = engine_config();
  json profile = {{"defaultAction", "SCMP_ACT_ERRNO"},
                  {"syscalls", {{{"names", {"read", "write", "execve"}}, {"action", "SCMP_ACT_ALLOW"}}}}};
  auto program = compile_command_only_filter(&profile, config);
  ASSERT_TRUE(program) << program.error();
  EXPECT_GT(program->size(), 10u);
}

TEST(CommandOnlyFilter, RefusesNotifyEntriesNamingThemAndWhy) {
  json config = engine_config();
  json profile = {{"defaultAction", "SCMP_ACT_ALLOW"},
                  {"syscalls", {{{"names", {"mount"}}, {"action", "SCMP_ACT_NOTIFY"}}}}};
  auto program = compile_command_only_filter(&profile, config);
  ASSERT_FALSE(program);
  EXPECT_NE(program.error().find("mount (/syscalls/0)"), std::string::npos) << program.error();
  EXPECT_NE(program.error().find("no socket"), std::string::npos) << program.error();

  json listener = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"listenerPath", "/run/x.sock"}};
  EXPECT_FALSE(compile_command_only_filter(&listener, config));
}

TEST(CommandOnlyFilter, IgnoresNotifyEntriesThatDoNotApplyToTheContainer) {
  json config = engine_config();
  json profile = {{"defaultAction", "SCMP_ACT_ALLOW"},
                  {"syscalls",
                   {{{"names", {"mount"}}, {"action", "SCMP_ACT_NOTIFY"}, {"includes", {{"caps", {"CAP_SYS_ADMIN"}}}}}}}};
  EXPECT_TRUE(compile_command_only_filter(&profile, config));
}

TEST(CommandOnlyFilter, RefusesNoProfileAndOneThatDoesNotParse) {
  json config = engine_config();
  EXPECT_FALSE(compile_command_only_filter(nullptr, config));
  json bogus = {{"defaultAction", "SCMP_ACT_BOGUS"}};
  auto program = compile_command_only_filter(&bogus, config);
  ASSERT_FALSE(program);
  EXPECT_NE(program.error().find("does not compile"), std::string::npos) << program.error();
}

TEST(CommandOnlySpec, TakesTheProfileAwayFromTheRuntimeAndPutsTheAgentInFront) {
  json config = engine_config();
  ASSERT_TRUE(place_command_agent(config, "/usr/libexec/tollgate/tollgate-command-agent", "/run/f.bpf"));
  EXPECT_FALSE(config["linux"].contains("seccomp"));
  EXPECT_EQ(config["process"]["args"],
            json({"/dev/.tollgate/agent", "/dev/.tollgate/filter.bpf", "--", "sh", "-c", "echo hi"}));
  ASSERT_EQ(config["mounts"].size(), 4u);
  EXPECT_EQ(config["mounts"][2]["destination"], "/dev/.tollgate/agent");
  EXPECT_EQ(config["mounts"][2]["source"], "/usr/libexec/tollgate/tollgate-command-agent");
  EXPECT_EQ(config["mounts"][2]["options"], json({"bind", "ro", "nosuid", "nodev"}));
  EXPECT_EQ(config["mounts"][3]["destination"], "/dev/.tollgate/filter.bpf");
  EXPECT_EQ(config["mounts"][3]["options"], json({"bind", "ro", "nosuid", "nodev", "noexec"}));
}

TEST(CommandOnlySpec, RefusesNoArgsNoDevTmpfsAndAMountTheAgentWouldShadow) {
  json no_args = engine_config();
  no_args["process"]["args"] = json::array();
  auto r = place_command_agent(no_args, "/a", "/f");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("no args"), std::string::npos) << r.error();

  json no_tmpfs = engine_config();
  no_tmpfs["mounts"][1]["type"] = "bind";
  r = place_command_agent(no_tmpfs, "/a", "/f");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("tmpfs"), std::string::npos) << r.error();

  json shadowed = engine_config();
  shadowed["mounts"].push_back({{"destination", "/dev/.tollgate/"}, {"type", "bind"}, {"source", "/x"}});
  r = place_command_agent(shadowed, "/a", "/f");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("already mounts /dev/.tollgate"), std::string::npos) << r.error();
  EXPECT_TRUE(shadowed["linux"].contains("seccomp"));  // untouched when refused
}

TEST(CommandOnlyFiles, OneFilePerRootAndIdInsideTheDirectoryOnly) {
  RuntimeConfig config;
  config.command_only_dir = "/run/t";
  auto a = command_only_filter_path(config, std::string("/run/docker/runtime-tollgate/moby"), "abc");
  auto b = command_only_filter_path(config, std::string("/run/other"), "abc");
  auto c = command_only_filter_path(config, std::nullopt, "abc");
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(a->starts_with("/run/t/")) << *a;
  EXPECT_TRUE(a->ends_with("-abc.bpf")) << *a;
  EXPECT_NE(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_EQ(*a, *command_only_filter_path(config, std::string("/run/docker/runtime-tollgate/moby"), "abc"));
  for (const char* bad : {"", "..", "../x", "a/b", ".hidden", "a b"})
    EXPECT_FALSE(command_only_filter_path(config, std::nullopt, bad)) << bad;
}

TEST(RuntimeCommandLine, ReadsTheContainerOfExecAndDeleteAndRunsDetach) {
  auto exec = read_runtime_command_line({"--root", "/r", "exec", "--process", "/tmp/p.json", "--detach",
                                         "--pid-file", "/tmp/pid", "-e", "A=b", "the-id"});
  EXPECT_EQ(exec.command, "exec");
  EXPECT_EQ(exec.root, "/r");
  EXPECT_EQ(exec.process_file, "/tmp/p.json");
  EXPECT_EQ(exec.container_id, "the-id");
  auto short_form = read_runtime_command_line({"exec", "-t", "-p=/p.json", "id2", "sh"});
  EXPECT_EQ(short_form.process_file, "/p.json");
  EXPECT_EQ(short_form.container_id, "id2");
  EXPECT_EQ(read_runtime_command_line({"--root=/r", "delete", "--force", "gone"}).container_id, "gone");
  EXPECT_TRUE(read_runtime_command_line({"run", "-d", "-b", "/b", "x"}).detach);
  EXPECT_FALSE(read_runtime_command_line({"run", "-b", "/b", "x"}).detach);
}

}  // namespace
}  // namespace tollgate
