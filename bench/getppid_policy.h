// The policy every getppid benchmark runs under: only getppid goes to the supervisor, one rule decides it.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace tollgate::bench {

// `action` is "deny" (EPERM) or "allow" (CONTINUE).
inline std::string getppid_policy(const std::string& action) {
  nlohmann::json rule = {{"name", "bench-getppid"}, {"syscalls", {"getppid"}}, {"action", action}};
  if (action == "deny") rule["errno"] = "EPERM";
  nlohmann::json doc = {
      {"comment", "tollgate benchmarks: only getppid goes to the supervisor, one rule decides it"},
      {"defaultAction", "SCMP_ACT_ALLOW"},
      {"syscalls", {{{"names", {"getppid"}}, {"action", "SCMP_ACT_NOTIFY"}}}},
      {"rules", {rule}},
  };
  return doc.dump();
}

// Writes it to `path` (for `tollgate run --policy`); false if it cannot.
inline bool write_getppid_policy(const std::string& path, const std::string& action) {
  std::ofstream out(path);
  out << getppid_policy(action) << '\n';
  return static_cast<bool>(out);
}

}  // namespace tollgate::bench
