#include "tests/integration/podman_engine.h"

namespace tollgate::testing {
namespace {

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

PodmanEngine::PodmanEngine() {
  write_file(dir_.file("containers.conf"),
             "[containers]\n"
             "default_ulimits = [\"nofile=20000:20000\", \"nproc=20000:20000\"]\n"
             "[engine]\n"
             "cgroup_manager = \"cgroupfs\"\n"
             // --cgroups=disabled is allowed only with runtimes whose file is named here: the runtime shim's
             // link (tollgate-runtime) is one. Podman 4.3 spells the key without the final "s".
             "runtime_supports_nocgroup = [\"crun\", \"krun\", \"tollgate-runtime\"]\n"
             "events_logger = \"file\"\n"
             "events_logfile_path = \"" +
                 dir_.file("events.log") + "\"\n");
  write_file(dir_.file("storage.conf"),
             "[storage]\n"
             "driver = \"vfs\"\n"
             "runroot = \"" +
                 dir_.file("run") +
                 "\"\n"
                 "graphroot = \"" +
                 dir_.file("root") + "\"\n");
}

ProcessResult PodmanEngine::run(const std::vector<std::string>& options, const std::string& rootfs,
                                const std::vector<std::string>& command) const {
  std::string podman = "exec /usr/bin/podman --root " + dir_.file("root") + " --runroot " + dir_.file("run") +
                       " --tmpdir " + dir_.file("tmp") + " run --rm --network none --cgroups=disabled";
  for (const auto& o : options) podman += " " + shell_quoted(o);
  podman += " --rootfs " + shell_quoted(rootfs);
  for (const auto& c : command) podman += " " + shell_quoted(c);
  return run_process(
      {"/usr/bin/env", "CONTAINERS_CONF=" + dir_.file("containers.conf"),
       "CONTAINERS_STORAGE_CONF=" + dir_.file("storage.conf"), "/usr/bin/unshare", "-m", "/bin/sh", "-c",
       "umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && " + podman},
      std::chrono::seconds(180));
}

}  // namespace tollgate::testing
