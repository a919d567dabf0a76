// Real OCI containers for the integration tests: a busybox root filesystem, a bundle whose config.json
// sends the seccomp listener to tollgate (linux.seccomp.listenerPath), and runc or crun to run it.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tollgate::testing {

enum class Runtime { Runc, Crun };

std::string runtime_name(Runtime runtime);

// DIR/rootfs: Debian's static busybox (applets as symlinks in /bin) and tg_probe_static as /bin/tg_probe.
std::filesystem::path build_busybox_rootfs(const std::filesystem::path& dir);

struct ContainerSpec {
  std::vector<std::string> args;
  std::string listener_path;
  std::string listener_metadata;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> notified = {"mount", "settimeofday"};
  // settimeofday(NULL, NULL) changes nothing, but the kernel still wants CAP_SYS_TIME for it: with the cap,
  // a CONTINUE answer shows up inside as success.
  std::vector<std::string> extra_caps = {"CAP_SYS_TIME"};
};

// One container: a bundle directory with its config.json, a unique id, and deletion (`delete -f`) when the
// object goes, so that no process or runtime state outlives the test.
class OciContainer {
 public:
  OciContainer(Runtime runtime, const std::filesystem::path& bundle_dir, const std::filesystem::path& rootfs,
               const ContainerSpec& spec);
  ~OciContainer();
  OciContainer(const OciContainer&) = delete;
  OciContainer& operator=(const OciContainer&) = delete;

  const std::string& id() const { return id_; }
  // Runs the container in the foreground; the command exits with the container's process. crun runs in a
  // private mount namespace with a cgroup2 mount and --cgroup-manager=disabled (this host has hybrid
  // cgroups).
  std::vector<std::string> run_argv() const;
  // `runc exec` of ARGS in the running container.
  std::vector<std::string> exec_argv(const std::vector<std::string>& args) const;

 private:
  Runtime runtime_;
  std::string id_;
  std::filesystem::path bundle_;
};

}  // namespace tollgate::testing
