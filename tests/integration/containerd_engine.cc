#include "tests/integration/containerd_engine.h"

#include <signal.h>

#include <sstream>
#include <stdexcept>

namespace tollgate::testing {
namespace {

const std::string kContainerd = "/usr/bin/containerd";
const std::string kCtr = "/usr/bin/ctr";

}  // namespace

ContainerdEngine::ContainerdEngine(const std::vector<std::string>& environment) {
  const std::string root = dir_.path().string();
  address_ = root + "/containerd.sock";
  // The CRI plugin would start CNI and image services nobody uses here; everything else is containerd's
  // default. Its own config file keeps the host's /etc/containerd/config.toml out of the test.
  write_file(root + "/config.toml", "version = 2\n"
                                    "root = \"" + root + "/root\"\n"
                                    "state = \"" + root + "/state\"\n"
                                    "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
                                    "[grpc]\n  address = \"" + address_ + "\"\n"
                                    "[ttrpc]\n  address = \"" + address_ + ".ttrpc\"\n");
  // env(1) execs containerd in its own place: the pid stopped at the end is containerd's.
  std::vector<std::string> argv = {"/usr/bin/env"};
  argv.insert(argv.end(), environment.begin(), environment.end());
  argv.insert(argv.end(), {kContainerd, "--config", root + "/config.toml", "--log-level", "warn"});
  containerd_ = std::make_unique<BackgroundProcess>(argv, dir_.path() / "containerd.out",
                                                    dir_.path() / "containerd.err");
  // `ctr version` has the server's part only once containerd serves its API.
  const bool ready = eventually(
      [&] {
        if (containerd_->wait(std::chrono::milliseconds(0))) return true;  // died: stop waiting
        return ctr({"version"}).out.find("Server:") != std::string::npos;
      },
      std::chrono::seconds(60));
  if (!ready || ctr({"version"}).out.find("Server:") == std::string::npos)
    throw std::runtime_error("containerd did not start: " + log_text());
}

ContainerdEngine::~ContainerdEngine() {
  if (!containerd_) return;
  remove_leftover_containers();
  containerd_->signal(SIGTERM);
  if (!containerd_->wait(std::chrono::seconds(60))) containerd_.reset();  // SIGKILL and reap
}

void ContainerdEngine::remove_leftover_containers() const {
  std::istringstream ids(ctr({"containers", "ls", "-q"}).out);
  for (std::string id; std::getline(ids, id);) {
    if (id.empty()) continue;
    ctr({"tasks", "kill", "--signal", "SIGKILL", id});
    ctr({"tasks", "delete", "--force", id});
    ctr({"containers", "delete", id});
  }
}

ProcessResult ContainerdEngine::ctr(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {kCtr, "--address", address_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, std::chrono::seconds(120));
}

std::string ContainerdEngine::log_text() const {
  return read_file((dir_.path() / "containerd.err").string());
}

}  // namespace tollgate::testing
