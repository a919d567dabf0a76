#include "tests/integration/shim_setup.h"

#include <nlohmann/json.hpp>

#include "tests/integration/host_program.h"
#include "tests/integration/oci_container.h"

namespace tollgate::testing {

ShimSetup::ShimSetup(const std::string& runtime, std::map<std::string, std::string> policies,
                     const nlohmann::json& runtime_json) {
  std::filesystem::create_directories(policy_dir());
  policies.try_emplace("default",
                       R"({"comment": "test", "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [], "rules": []})");
  for (const auto& [name, text] : policies) write_file(policy_dir() + "/" + name + ".json", text);
  daemon = std::make_unique<SuperviseDaemon>(dir, true, std::vector<std::string>{"--policy-dir", policy_dir()});
  write_file(shim(), "#!/bin/sh\nTOLLGATE_RUNTIME_CONFIG=" + config() + " exec " + kTollgate + " shim \"$@\"\n");
  std::filesystem::permissions(shim(), std::filesystem::perms::owner_all, std::filesystem::perm_options::add);
  nlohmann::json config_json = {{"runtime", runtime}, {"socket", daemon->socket()}, {"policyDir", policy_dir()}};
  config_json.update(runtime_json);
  write_file(config(), config_json.dump());
  rootfs = build_busybox_rootfs(dir.path());
  add_host_program(rootfs, "/bin/ls", "/usr/local/bin/ls");
}

}  // namespace tollgate::testing
