// `tollgate run` as a Docker container's entrypoint: the supervisor then runs under Docker's own default
// profile, which allows process_vm_readv only with CAP_SYS_PTRACE. String arguments must still be read
// (through /proc/PID/mem), or explanations show pointers (issue 11: `statx(AT_FDCWD, 0x7ffe80d1ef87, ...)`).
#include <gtest/gtest.h>

#include "tests/integration/docker_engine.h"
#include "tests/integration/harness.h"
#include "tests/integration/host_program.h"
#include "tests/integration/oci_container.h"

namespace tollgate::testing {
namespace {

TEST(DockerEntrypoint, ExplainShowsStringArgumentsUnderDockersDefaultProfile) {
  TempDir images;
  DockerEngine engine;
  const auto rootfs = build_busybox_rootfs(images.path());
  add_host_program(rootfs, "/bin/ls", "/usr/local/bin/ls");  // coreutils' ls calls statx
  add_host_program(rootfs, kTollgate, "/usr/local/bin/tollgate");
  write_file((rootfs / "deny-statx.json").string(), R"({"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["statx"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]})");
  engine.import_image(rootfs, "tollgate-entrypoint:1");
  // No --security-opt: Docker's default profile, no CAP_SYS_PTRACE.
  ProcessResult r = engine.run("tollgate-entrypoint:1", {},
                               {"/usr/local/bin/tollgate", "run", "--explain", "--profile", "/deny-statx.json",
                                "--", "/usr/local/bin/ls", "-ld", "/"});
  EXPECT_NE(r.status, 0) << "ls fails as the profile says: " << r.out << r.err;
  EXPECT_NE(r.err.find("statx(AT_FDCWD, \"/\", "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("<- rule /syscalls/0 (statx)"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tollgate::testing
