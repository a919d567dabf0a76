#include "profile/profile_variants.h"

#include "core/syscall_names.h"

namespace tollgate {

bool is_denying(FilterAction action) {
  switch (action) {
    case FilterAction::Errno:
    case FilterAction::KillThread:
    case FilterAction::KillProcess:
    case FilterAction::Trap:
    case FilterAction::Trace:
      return true;
    case FilterAction::Allow:
    case FilterAction::Log:
    case FilterAction::Notify:
      return false;
  }
  return true;
}

FilterLayer notify_instead_of_denying(const FilterLayer& profile) {
  FilterLayer out = profile;
  if (is_denying(out.default_action)) {
    out.default_action = FilterAction::Notify;
    out.default_errno_ret.reset();
  }
  for (SyscallEntry& entry : out.syscalls) {
    if (!is_denying(entry.action)) continue;
    entry.action = FilterAction::Notify;
    entry.errno_ret.reset();
  }
  return out;
}

FilterLayer notify_everything() {
  FilterLayer out;
  out.default_action = FilterAction::Notify;
  return out;
}

}  // namespace tollgate

namespace tollgate {
namespace {

bool is_denying_action_name(const nlohmann::json& action) {
  static const std::set<std::string> denying = {"SCMP_ACT_ERRNO",       "SCMP_ACT_KILL",
                                                "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS",
                                                "SCMP_ACT_TRAP",        "SCMP_ACT_TRACE"};
  return action.is_string() && denying.contains(action.get<std::string>());
}

// Every name libseccomp has for the native architecture; numbers stop well below 1024 on every arch.
std::set<std::string> native_syscall_names() {
  std::set<std::string> names;
  for (int nr = 0; nr < 1024; ++nr)
    if (std::string_view name = native_syscall_name(nr); !name.empty()) names.emplace(name);
  return names;
}

}  // namespace

const std::set<std::string>& never_notified_by_runtimes() {
  static const std::set<std::string> names = {"close",   "exit",         "exit_group", "futex", "read",
                                              "recvmsg", "rt_sigreturn", "sendmsg",    "write"};
  return names;
}

nlohmann::json runtime_notify_variant(const nlohmann::json& oci_seccomp) {
  nlohmann::json out = oci_seccomp;
  std::set<std::string> named;
  nlohmann::json entries = nlohmann::json::array();
  const nlohmann::json no_entries = nlohmann::json::array();
  const nlohmann::json& original = oci_seccomp.contains("syscalls") && oci_seccomp["syscalls"].is_array()
                                       ? oci_seccomp["syscalls"]
                                       : no_entries;
  for (const nlohmann::json& entry : original) {
    if (!entry.is_object() || !entry.contains("names") || !entry["names"].is_array()) {
      entries.push_back(entry);
      continue;
    }
    for (const auto& n : entry["names"])
      if (n.is_string()) named.insert(n.get<std::string>());
    if (!is_denying_action_name(entry.value("action", nlohmann::json()))) {
      entries.push_back(entry);
      continue;
    }
    nlohmann::json kept = entry, notified = entry;
    kept["names"] = notified["names"] = nlohmann::json::array();
    for (const auto& n : entry["names"])
      (n.is_string() && never_notified_by_runtimes().contains(n.get<std::string>()) ? kept
                                                                                    : notified)["names"]
          .push_back(n);
    notified["action"] = "SCMP_ACT_NOTIFY";
    notified.erase("errnoRet");
    if (!kept["names"].empty()) entries.push_back(std::move(kept));
    if (!notified["names"].empty()) entries.push_back(std::move(notified));
  }
  if (is_denying_action_name(oci_seccomp.value("defaultAction", nlohmann::json()))) {
    nlohmann::json unnamed = nlohmann::json::array();
    for (const std::string& name : native_syscall_names())
      if (!named.contains(name) && !never_notified_by_runtimes().contains(name)) unnamed.push_back(name);
    if (!unnamed.empty()) entries.push_back({{"names", unnamed}, {"action", "SCMP_ACT_NOTIFY"}});
  }
  out["syscalls"] = std::move(entries);
  return out;
}

nlohmann::json runtime_learn_variant(const nlohmann::json* oci_seccomp) {
  nlohmann::json out = nlohmann::json::object();
  if (oci_seccomp != nullptr && oci_seccomp->is_object())
    for (const char* key : {"architectures", "archMap", "flags"})
      if (oci_seccomp->contains(key)) out[key] = (*oci_seccomp)[key];
  out["defaultAction"] = "SCMP_ACT_ALLOW";
  nlohmann::json notified = nlohmann::json::array();
  for (const std::string& name : native_syscall_names())
    if (!never_notified_by_runtimes().contains(name)) notified.push_back(name);
  out["syscalls"] = nlohmann::json::array({{{"names", std::move(notified)}, {"action", "SCMP_ACT_NOTIFY"}}});
  return out;
}

}  // namespace tollgate
