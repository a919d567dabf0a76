#include "tests/integration/docker_engine.h"

#include <signal.h>
#include <sys/mount.h>

#include <fstream>
#include <stdexcept>

namespace tollgate::testing {
namespace {

const std::string kDockerd = "/usr/sbin/dockerd";
const std::string kDocker = "/usr/bin/docker";

// Mount points under `dir`, deepest first (dockerd's netns and shm mounts, if a container was left).
std::vector<std::string> mounts_under(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::ifstream mountinfo("/proc/self/mountinfo");
  const std::string prefix = dir.string() + "/";
  for (std::string line; std::getline(mountinfo, line);) {
    // "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...": the fifth field.
    size_t pos = 0;
    for (int field = 0; field < 4 && pos != std::string::npos; ++field) pos = line.find(' ', pos + 1);
    if (pos == std::string::npos) continue;
    const size_t end = line.find(' ', pos + 1);
    std::string point = line.substr(pos + 1, end - pos - 1);
    if (point.starts_with(prefix)) out.push_back(point);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return out;
}

}  // namespace

DockerEngine::DockerEngine(const std::vector<std::string>& runtimes,
                           const std::vector<std::string>& environment) {
  const std::string root = dir_.path().string();
  host_ = "unix://" + root + "/docker.sock";
  // env(1) execs dockerd in its own place: the pid stopped at the end is dockerd's. The containerd dockerd
  // starts writes its goroutine dump (containerd.PID.stacks.log) to TMPDIR when dockerd gives up waiting
  // for it to stop: into the test's directory, not the host's /tmp.
  std::filesystem::create_directories(root + "/tmp");
  std::vector<std::string> argv = {"/usr/bin/env", "TMPDIR=" + root + "/tmp"};
  argv.insert(argv.end(), environment.begin(), environment.end());
  argv.insert(argv.end(), {kDockerd, "--data-root=" + root + "/data", "--exec-root=" + root + "/exec",
                                   "--pidfile=" + root + "/dockerd.pid", "--host=" + host_,
                                   // No network set-up on the host: containers run with --network none.
                                   "--iptables=false", "--ip6tables=false", "--bridge=none",
                                   // vfs needs no overlay support and leaves no mounts behind.
                                   "--storage-driver=vfs", "--log-level=warn",
                                   // Keep the host's /etc/docker/daemon.json (if any) out of the test.
                                   "--config-file=" + root + "/daemon.json"});
  write_file(root + "/daemon.json", "{}");
  for (const auto& runtime : runtimes) argv.push_back("--add-runtime=" + runtime);
  dockerd_ =
      std::make_unique<BackgroundProcess>(argv, dir_.path() / "dockerd.out", dir_.path() / "dockerd.err");
  // Docker answers `version` with the server's part only once the daemon serves its API.
  const bool ready = eventually(
      [&] {
        if (dockerd_->wait(std::chrono::milliseconds(0))) return true;  // died: stop waiting
        return docker({"version", "--format", "{{.Server.Version}}"}).status == 0;
      },
      std::chrono::seconds(120));
  if (!ready || docker({"version", "--format", "{{.Server.Version}}"}).status != 0)
    throw std::runtime_error("dockerd did not start: " + stderr_text());
}

DockerEngine::~DockerEngine() {
  if (dockerd_) {
    dockerd_->signal(SIGTERM);
    if (!dockerd_->wait(std::chrono::seconds(60))) dockerd_.reset();  // SIGKILL and reap
  }
  for (const auto& point : mounts_under(dir_.path())) umount2(point.c_str(), MNT_DETACH);
}

ProcessResult DockerEngine::docker(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {kDocker, "-H", host_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, std::chrono::seconds(180));
}

ProcessResult DockerEngine::run(const std::string& image, const std::vector<std::string>& options,
                                const std::vector<std::string>& command) const {
  std::vector<std::string> args = {"run", "--rm", "--network", "none"};
  args.insert(args.end(), options.begin(), options.end());
  args.push_back(image);
  args.insert(args.end(), command.begin(), command.end());
  return docker(args);
}

void DockerEngine::import_image(const std::filesystem::path& rootfs, const std::string& name) const {
  const std::string tarball = (dir_.path() / (name + ".tar")).string();
  ProcessResult tar = run_process({"/bin/tar", "-C", rootfs.string(), "-cf", tarball, "."});
  if (tar.status != 0) throw std::runtime_error("tar: " + tar.err);
  ProcessResult imported = docker({"import", tarball, name});
  if (imported.status != 0) throw std::runtime_error("docker import: " + imported.err);
}

std::string DockerEngine::stderr_text() const {
  return read_file((dir_.path() / "dockerd.err").string());
}

}  // namespace tollgate::testing
