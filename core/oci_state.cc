#include "core/oci_state.h"

#include <algorithm>

namespace tollgate {
namespace {

using nlohmann::json;

// Pids as the kernel allows them (pid_max is at most 2^22). 0 means unknown: crun 1.8.1 sends it for
// `crun exec` processes.
std::expected<pid_t, std::string> parse_pid(const json& object, const std::string& pointer) {
  auto it = object.find("pid");
  if (it == object.end() || !it->is_number_integer() || it->get<int64_t>() < 0 ||
      it->get<int64_t>() > (1 << 22))
    return std::unexpected(pointer + "/pid: missing or not a process id");
  return static_cast<pid_t>(it->get<int64_t>());
}

std::expected<std::string, std::string> parse_string(const json& object, const char* key,
                                                     const std::string& pointer, bool required) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) return std::unexpected(pointer + "/" + key + ": missing");
    return std::string();
  }
  if (!it->is_string()) return std::unexpected(pointer + "/" + key + ": not a string");
  return it->get<std::string>();
}

std::expected<OciContainerState, std::string> parse_container_state(const json& j) {
  if (!j.is_object()) return std::unexpected("/state: missing or not an object");
  OciContainerState s;
  auto version = parse_string(j, "ociVersion", "/state", false);
  if (!version) return std::unexpected(version.error());
  s.oci_version = *version;
  auto id = parse_string(j, "id", "/state", true);
  if (!id) return std::unexpected(id.error());
  if (id->empty()) return std::unexpected("/state/id: empty");
  // The id goes into log lines and events: no control characters (runtimes allow [A-Za-z0-9_+.-] anyway).
  if (std::any_of(id->begin(), id->end(), [](unsigned char ch) { return ch < 0x20 || ch == 0x7f; }))
    return std::unexpected("/state/id: contains control characters");
  s.id = *id;
  auto status = parse_string(j, "status", "/state", false);
  if (!status) return std::unexpected(status.error());
  s.status = *status;
  // The container's init pid is absent while it is "creating" on some runtimes.
  if (j.contains("pid")) {
    auto pid = parse_pid(j, "/state");
    if (!pid) return std::unexpected(pid.error());
    s.pid = *pid;
  }
  auto bundle = parse_string(j, "bundle", "/state", false);
  if (!bundle) return std::unexpected(bundle.error());
  s.bundle = *bundle;
  if (auto a = j.find("annotations"); a != j.end() && !a->is_null()) {
    if (!a->is_object()) return std::unexpected("/state/annotations: not an object");
    for (const auto& [k, v] : a->items()) {
      if (!v.is_string()) return std::unexpected("/state/annotations/" + k + ": not a string");
      s.annotations[k] = v.get<std::string>();
    }
  }
  return s;
}

}  // namespace

std::optional<size_t> OciProcessState::seccomp_fd_index() const {
  for (size_t i = 0; i < fds.size(); ++i)
    if (fds[i] == kOciSeccompFdName) return i;
  return std::nullopt;
}

bool is_oci_message(const json& message) {
  return message.is_object() && message.contains("ociVersion");
}

std::expected<OciProcessState, std::string> parse_oci_process_state(const json& j) {
  if (!j.is_object()) return std::unexpected("OCI state is not a JSON object");
  OciProcessState p;
  auto version = j.find("ociVersion");
  if (version == j.end() || !version->is_string())
    return std::unexpected("/ociVersion: missing or not a string");
  p.oci_version = version->get<std::string>();
  auto fds = j.find("fds");
  if (fds == j.end() || !fds->is_array()) return std::unexpected("/fds: missing or not an array");
  for (const auto& name : *fds) {
    if (!name.is_string()) return std::unexpected("/fds: not all strings");
    p.fds.push_back(name.get<std::string>());
  }
  auto pid = parse_pid(j, "");
  if (!pid) return std::unexpected(pid.error());
  p.pid = *pid;
  auto metadata = parse_string(j, "metadata", "", false);
  if (!metadata) return std::unexpected(metadata.error());
  p.metadata = *metadata;
  auto state = j.find("state");
  if (state == j.end()) return std::unexpected("/state: missing or not an object");
  auto container = parse_container_state(*state);
  if (!container) return std::unexpected(container.error());
  p.state = std::move(*container);
  return p;
}

json oci_process_state_json(const OciProcessState& p) {
  json state = {{"ociVersion", p.state.oci_version},
                {"id", p.state.id},
                {"status", p.state.status},
                {"bundle", p.state.bundle},
                {"annotations", p.state.annotations}};
  if (p.state.pid != 0) state["pid"] = p.state.pid;
  return {{"ociVersion", p.oci_version},
          {"fds", p.fds},
          {"pid", p.pid},
          {"metadata", p.metadata},
          {"state", state}};
}

}  // namespace tollgate
