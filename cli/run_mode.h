// What `tollgate run` installs and who decides, per mode: enforce (the policy's filter, its rules), explain
// and audit (P with denials turned into NOTIFY, judged against P's own filter), learn (everything notified
// and recorded). The mode's finish step writes its reports once the target has exited.
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "supervisor/decider.h"
#include "tollgate/policy.h"

namespace CLI {
class App;
}

namespace tollgate {

struct PreparedRun {
  FilterLayer filter;  // what the target is started under
  std::shared_ptr<const Decider> decider;
  std::map<std::string, std::string> metadata;  // added to the target's: tells a daemon the mode
  // After the target exited. Error: a message (a report could not be written).
  std::function<std::expected<void, std::string>()> finish = [] {
    return std::expected<void, std::string>{};
  };
};

// --explain, --audit, --report, --suggest on `run`.
void add_diagnostic_options(CLI::App& cmd, RunOptions& options);

// Error: a message for the user (bad option combination, a profile that does not compile).
std::expected<PreparedRun, std::string> prepare_run(const RunOptions& options, const PolicyPtr& policy);

}  // namespace tollgate
