// What audit mode says at exit: a summary table for people (stderr) and a JSON report for tools.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "supervisor/diagnose/audit_recorder.h"

namespace tollgate {

// SYSCALL  COUNT  PROCS  EXAMPLE  RULE, one line per finding; a single line saying so when there is none.
std::string audit_summary(const std::vector<const AuditFinding*>& findings);

// {"profile", "command", "findings": [...], "suggested_changes": [...]} (schema in docs/debugging-denials.md)
nlohmann::json audit_report(const std::string& profile_path, const std::vector<std::string>& command,
                            const std::vector<const AuditFinding*>& findings,
                            const std::vector<std::string>& suggested_changes);

}  // namespace tollgate
