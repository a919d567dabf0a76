// The OCI seccomp agent message: what runc and crun send to `linux.seccomp.listenerPath` (runtime-spec
// ContainerProcessState), with the listener in SCM_RIGHTS at the position its `fds` array names "seccompFd".
#pragma once

#include <sys/types.h>

#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

inline constexpr std::string_view kOciSeccompFdName = "seccompFd";

struct OciContainerState {
  std::string oci_version;
  std::string id;
  std::string status;  // "creating" for the container's init, "running" for `runc exec`
  pid_t pid = 0;       // the container's init
  std::string bundle;  // crun 1.8.1 sends "." for `crun exec`, and no annotations
  std::map<std::string, std::string> annotations;
};

struct OciProcessState {
  std::string oci_version;       // any version is accepted: runc 1.1.5 sends "1.0.2-dev", crun 1.8.1 "0.2.0"
  std::vector<std::string> fds;  // names of the SCM_RIGHTS fds, in order
  pid_t pid = 0;                 // the process the filter was installed in, in the runtime's pid namespace;
                                 // 0 when the runtime does not say (crun exec)
  std::string metadata;          // linux.seccomp.listenerMetadata, verbatim
  OciContainerState state;

  // Where "seccompFd" sits among the passed fds; nullopt when the message names none.
  std::optional<size_t> seccomp_fd_index() const;
};

// True for a JSON object that announces itself as OCI state (it has "ociVersion").
bool is_oci_message(const nlohmann::json& message);
// Error: a message naming the bad field by its JSON pointer.
std::expected<OciProcessState, std::string> parse_oci_process_state(const nlohmann::json& message);
// The inverse of parse_oci_process_state: what the daemon's keeper stores to admit the listener again after
// a restart (docs/architecture.md, "Restarts").
nlohmann::json oci_process_state_json(const OciProcessState& state);

}  // namespace tollgate
