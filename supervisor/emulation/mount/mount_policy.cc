#include "supervisor/emulation/mount/mount_policy.h"

#include <fnmatch.h>

#include "supervisor/emulation/handler_options.h"

namespace tollgate {

const std::vector<std::string>* MountPolicy::data_globs(const std::string& fstype) const {
  for (const auto& [name, globs] : fstypes)
    if (name == fstype) return &globs;
  return nullptr;
}

bool MountPolicy::any_match(const std::vector<std::string>& globs, const std::string& path) {
  for (const auto& g : globs)
    if (fnmatch(g.c_str(), path.c_str(), FNM_PATHNAME) == 0) return true;
  return false;
}

bool MountPolicy::data_allowed(const std::string& fstype, const std::string& data) const {
  const auto* globs = data_globs(fstype);
  if (globs == nullptr) return false;
  for (const auto& [key, value] : split_mount_data(data)) {
    const std::string option = value ? key + "=" + *value : key;
    bool ok = false;
    for (const auto& g : *globs) ok = ok || fnmatch(g.c_str(), option.c_str(), 0) == 0;
    if (!ok) return false;
  }
  return true;
}

std::vector<std::pair<std::string, std::optional<std::string>>> split_mount_data(const std::string& data) {
  std::vector<std::pair<std::string, std::optional<std::string>>> out;
  size_t start = 0;
  while (start <= data.size()) {
    size_t comma = data.find(',', start);
    std::string item = data.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) {
      auto eq = item.find('=');
      if (eq == std::string::npos)
        out.emplace_back(item, std::nullopt);
      else
        out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::expected<MountPolicy, HandlerOptionError> MountPolicy::parse(const nlohmann::json& options) {
  HandlerOptionReader r(options, {"fstypes", "sources", "targets", "bind_sources", "flags", "exec", "idmap"});
  MountPolicy p;
  p.fstypes = r.string_lists("fstypes");
  p.sources = r.strings("sources");
  p.targets = r.strings("targets");
  p.bind_sources = r.strings("bind_sources");
  for (const auto& f : r.strings("flags", {"bind", "rec", "remount"})) {
    p.bind = p.bind || f == "bind";
    p.rec = p.rec || f == "rec";
    p.remount = p.remount || f == "remount";
  }
  p.exec = r.boolean("exec").value_or(false);
  p.idmap = r.boolean("idmap").value_or(false);
  auto relative = [&](const std::vector<std::string>& globs, const std::string& key) {
    for (size_t i = 0; i < globs.size(); ++i)
      if (globs[i].front() != '/')
        r.fail("/" + key + "/" + std::to_string(i), "expected an absolute path glob");
  };
  relative(p.targets, "targets");
  relative(p.sources, "sources");
  relative(p.bind_sources, "bind_sources");
  if (p.targets.empty()) r.fail("/targets", "required: where mounts may go");
  if (p.bind && p.bind_sources.empty()) r.fail("/bind_sources", "required when \"bind\" is allowed");
  // These take their contents from the mounting task's namespaces (net, ipc, cgroup): mounted by a
  // supervisor thread they would show the host's, not the container's. (proc is made from inside the
  // caller's pid namespace.)
  static constexpr std::string_view kNamespaced[] = {"sysfs", "mqueue", "cgroup", "cgroup2", "devpts"};
  for (const auto& [name, _] : p.fstypes)
    for (std::string_view n : kNamespaced)
      if (name == n)
        r.fail("/fstypes/" + name,
               "not emulated: it would show the supervisor's namespaces, not the caller's");
  for (const auto& [name, _] : p.fstypes)
    if (name.empty() || name.find_first_of("/ ,") != std::string::npos)
      r.fail("/fstypes/" + name, "not a file system type");
  if (r.error()) return std::unexpected(*r.error());
  return p;
}

}  // namespace tollgate
