#include "supervisor/diagnose/audit_report.h"

#include <algorithm>

#include "supervisor/diagnose/explain_decider.h"

namespace tollgate {
namespace {

std::string clip(const std::string& s, size_t width) {
  return s.size() <= width ? s : s.substr(0, width - 3) + "...";
}

std::string pad(const std::string& s, size_t width) {
  return s + std::string(width > s.size() ? width - s.size() : 1, ' ');
}

std::string where(const ProfileJudgement& j) {
  return j.entry != nullptr ? j.entry->json_pointer : "defaultAction";
}

}  // namespace

std::string audit_summary(const std::vector<const AuditFinding*>& findings) {
  if (findings.empty()) return "audit: the profile would have denied nothing in this run\n";
  size_t name_width = 8;
  for (const AuditFinding* f : findings) name_width = std::max(name_width, f->syscall.size() + 2);
  std::string out = "audit: calls the profile would have denied (all were allowed):\n";
  out += pad("SYSCALL", name_width) + pad("COUNT", 8) + pad("PROCS", 7) + pad("WOULD BE", 18) +
         pad("RULE", 16) + "EXAMPLE\n";
  for (const AuditFinding* f : findings) {
    out += pad(f->syscall, name_width) + pad(std::to_string(f->count), 8) +
           pad(std::to_string(f->pids.size()), 7) + pad(enforced_outcome(f->judgement).substr(0, 17), 18) +
           pad(where(f->judgement), 16) + clip(f->example, 100) + "\n";
  }
  return out;
}

nlohmann::json audit_report(const std::string& profile_path, const std::vector<std::string>& command,
                            const std::vector<const AuditFinding*>& findings,
                            const std::vector<std::string>& suggested_changes) {
  nlohmann::json list = nlohmann::json::array();
  for (const AuditFinding* f : findings) {
    const ProfileJudgement& j = f->judgement;
    list.push_back({
        {"syscall", f->syscall},
        {"nr", f->nr},
        {"count", f->count},
        {"pids", f->pids},
        {"comms", f->comms},
        {"example", f->example},
        {"would_be", enforced_outcome(j)},
        {"rule", where(j)},
        {"rule_text", j.rule},
        {"why", j.why},
    });
  }
  return {{"profile", profile_path},
          {"command", command},
          {"findings", std::move(list)},
          {"suggested_changes", suggested_changes}};
}

}  // namespace tollgate
