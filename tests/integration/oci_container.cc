#include "tests/integration/oci_container.h"

#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tests/integration/harness.h"

namespace tollgate::testing {
namespace {

const std::string kRunc = "/usr/sbin/runc";
const std::string kCrun = "/usr/bin/crun";
const std::string kBusybox = "/bin/busybox";

std::string unique_container_id() {
  static std::atomic<int> counter{0};
  return "tollgate-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

void must_run(const std::vector<std::string>& argv) {
  ProcessResult r = run_process(argv);
  if (r.status != 0) throw std::runtime_error(argv[0] + " failed: " + r.err);
}

}  // namespace

std::string runtime_name(Runtime runtime) {
  return runtime == Runtime::Runc ? "runc" : "crun";
}

std::filesystem::path build_busybox_rootfs(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  const fs::path rootfs = dir / "rootfs";
  fs::create_directories(rootfs / "bin");
  for (const char* d : {"proc", "dev", "sys", "tmp", "mnt"}) fs::create_directories(rootfs / d);
  fs::copy_file(kBusybox, rootfs / "bin" / "busybox");
  fs::copy_file(kStaticProbe, rootfs / "bin" / "tg_probe");
  // busybox links its applets to its own path: run it inside the root it will have.
  must_run({"/usr/sbin/chroot", rootfs.string(), "/bin/busybox", "--install", "-s", "/bin"});
  return rootfs;
}

OciContainer::OciContainer(Runtime runtime, const std::filesystem::path& bundle_dir,
                           const std::filesystem::path& rootfs, const ContainerSpec& spec)
    : runtime_(runtime), id_(unique_container_id()), bundle_(bundle_dir) {
  std::filesystem::create_directories(bundle_);
  must_run({kRunc, "spec", "--bundle", bundle_.string()});  // runc's default config; crun reads it as well
  const std::string config_path = (bundle_ / "config.json").string();
  nlohmann::json config = nlohmann::json::parse(read_file(config_path));
  config["root"] = {{"path", rootfs.string()}, {"readonly", true}};
  config["process"]["terminal"] = false;
  config["process"]["args"] = spec.args;
  for (const char* set : {"bounding", "effective", "permitted"})
    for (const auto& cap : spec.extra_caps) config["process"]["capabilities"][set].push_back(cap);
  config["annotations"] = spec.annotations;
  config["linux"]["seccomp"] = {
      {"defaultAction", "SCMP_ACT_ALLOW"},
      {"architectures", {"SCMP_ARCH_X86_64"}},
      {"listenerPath", spec.listener_path},
      {"listenerMetadata", spec.listener_metadata},
      {"syscalls", {{{"names", spec.notified}, {"action", "SCMP_ACT_NOTIFY"}}}},
  };
  write_file(config_path, config.dump(2));
}

OciContainer::~OciContainer() {
  const std::string& runtime = runtime_ == Runtime::Runc ? kRunc : kCrun;
  run_process({runtime, "delete", "-f", id_}, std::chrono::seconds(30));
}

std::vector<std::string> OciContainer::run_argv() const {
  if (runtime_ == Runtime::Runc) return {kRunc, "run", "--bundle", bundle_.string(), id_};
  return {"/usr/bin/unshare", "-m", "/bin/sh", "-c",
          "umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec " + kCrun +
              " --cgroup-manager=disabled run --bundle " + bundle_.string() + " " + id_};
}

std::vector<std::string> OciContainer::exec_argv(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {runtime_ == Runtime::Runc ? kRunc : kCrun, "exec", id_};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace tollgate::testing
