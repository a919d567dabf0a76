#include "tests/integration/podman_engine.h"

namespace tollgate::testing {
namespace {

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

PodmanEngine::PodmanEngine(const std::vector<std::string>& runtimes) {
  std::string extra_names, runtime_table;
  for (const auto& runtime : runtimes) {
    const std::string name = runtime.substr(0, runtime.find('='));
    extra_names += ", \"" + name + "\"";
    runtime_table += name + " = [\"" + runtime.substr(runtime.find('=') + 1) + "\"]\n";
  }
  if (!runtime_table.empty()) runtime_table = "[engine.runtimes]\n" + runtime_table;
  write_file(dir_.file("containers.conf"),
             "[containers]\n"
             "default_ulimits = [\"nofile=20000:20000\", \"nproc=20000:20000\"]\n"
             "[engine]\n"
             "cgroup_manager = \"cgroupfs\"\n"
             // Podman asks these by the runtime's name; the tollgate shim passes the flags on to crun. Podman
             // 4.3 reads "runtime_supports_nocgroup", not the "..._nocgroups" its containers.conf documents.
             "runtime_supports_nocgroup = [\"crun\"" + extra_names + "]\n"
             "runtime_supports_json = [\"crun\", \"runc\"" + extra_names + "]\n"
             "events_logger = \"file\"\n"
             "events_logfile_path = \"" +
                 dir_.file("events.log") + "\"\n" + runtime_table);
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
  std::vector<std::string> argv = {"/usr/bin/env", "CONTAINERS_CONF=" + dir_.file("containers.conf"),
                                   "CONTAINERS_STORAGE_CONF=" + dir_.file("storage.conf")};
  argv.insert(argv.end(), {"/usr/bin/unshare", "-m", "/bin/sh", "-c",
                           "umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && " + podman});
  return run_process(argv, std::chrono::seconds(180));
}

}  // namespace tollgate::testing
