// Rules learned from "always" answers (ctl allow/deny --always, [A]/[D] at the prompt), kept in a file
// (`--learned FILE`) so they apply at once and on later runs. The file is an ordinary tollgate policy whose
// rules can be copied into a real policy. They are consulted only for calls a policy sends to "ask", so a
// learned allow can never widen what a policy denies outright.
//
// What "the same call again" means: the same syscall, the same non-pointer arguments and the same
// executable; a learned deny also pins the strings the pointer arguments pointed to. A learned allow does
// not: it answers CONTINUE, and the caller could change its memory between our check and the kernel's use.
#pragma once

#include <expected>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "supervisor/caller/call_context.h"
#include "supervisor/rules/rule_set.h"
#include "tollgate/decision.h"

namespace tollgate {

class LearnedRules {
 public:
  // Reads FILE (a missing file is an empty set). Error: a message naming the file and the bad field.
  static std::expected<std::unique_ptr<LearnedRules>, std::string> open(const std::string& path);

  // The learned answer for this call, nullopt when none applies. Loop thread.
  std::optional<Decision> decide(CallContext& call) const;
  // Adds a rule for this call and rewrites the file atomically. Error: why nothing was learned.
  std::expected<void, std::string> learn(CallContext& call, bool allow, int error);
  // Re-reads the file; on error the rules in force stay as they were.
  std::expected<void, std::string> reload();

  size_t size() const { return rules_.size(); }
  const std::string& path() const { return path_; }

 private:
  explicit LearnedRules(std::string path) : path_(std::move(path)) {}
  // Builds the rule set from `rules`; on success both become the ones in force.
  std::expected<void, std::string> adopt(nlohmann::json rules);
  std::expected<void, std::string> write_file(const nlohmann::json& rules) const;

  std::string path_;
  nlohmann::json rules_ = nlohmann::json::array();  // allow rules first (see learn)
  std::unique_ptr<RuleSet> set_;
};

}  // namespace tollgate
