// The policy model: what the kernel filter does by itself (the filter layer, a Docker/OCI seccomp profile)
// and what the supervisor decides for notified calls (the rule layer). Parsed once, immutable afterwards.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tollgate {

// ---- The filter layer: a Docker/moby or OCI seccomp profile, unchanged ----

enum class FilterAction { Allow, Errno, KillThread, KillProcess, Trap, Log, Trace, Notify };

enum class ArgOp { NotEqual, LessThan, LessEqual, Equal, GreaterEqual, GreaterThan, MaskedEqual };

struct ArgCondition {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;  // the mask's operand for MaskedEqual, as in runtime-spec
  ArgOp op = ArgOp::Equal;
};

struct KernelVersion {
  unsigned major = 0, minor = 0;
  friend auto operator<=>(const KernelVersion&, const KernelVersion&) = default;
};

// `includes` / `excludes` of a profile entry. Empty fields match everything.
struct EntryCondition {
  std::vector<std::string> caps;    // "CAP_SYS_ADMIN"
  std::vector<std::string> arches;  // Go names as Docker writes them: "amd64", "arm64", "x32"
  std::optional<KernelVersion> min_kernel;
  bool empty() const { return caps.empty() && arches.empty() && !min_kernel; }
};

struct SyscallEntry {
  std::vector<std::string> names;  // groups already expanded
  FilterAction action = FilterAction::Allow;
  std::optional<int> errno_ret;
  std::vector<ArgCondition> args;
  EntryCondition includes;
  EntryCondition excludes;
  std::string comment;
  std::string json_pointer;  // "/syscalls/3", for messages
};

// A name that resolved to nothing on this machine and was left out of the filter.
struct SkippedName {
  std::string name;
  std::string json_pointer;
  bool unknown_to_libseccomp = false;  // otherwise: known, but not a syscall of the native architecture
};

struct FilterLayer {
  FilterAction default_action = FilterAction::Errno;
  std::optional<int> default_errno_ret;
  std::vector<std::string> architectures;  // SCMP_ARCH_* as written; the filter is built for the native one only
  std::vector<SyscallEntry> syscalls;
  std::vector<SkippedName> skipped_names;
};

// ---- The rule layer: decisions for notified calls ----

enum class RuleAction { Allow, Deny, Emulate, Ask };

enum class LogLevel { None, Info, Warn };

struct StringCondition {
  unsigned index = 0;
  bool glob = false;  // fnmatch(3) pattern, otherwise an exact comparison
  std::string pattern;
};

struct CallerCondition {
  std::optional<std::string> comm;  // glob
  std::optional<std::string> exe;   // glob on /proc/PID/exe
  std::optional<uint32_t> uid;      // effective uid, as seen from the supervisor
  std::optional<uint32_t> gid;
  bool empty() const { return !comm && !exe && !uid && !gid; }
};

struct Rule {
  std::string name;
  std::string comment;
  std::string json_pointer;        // "/rules/2"
  std::vector<std::string> syscalls;  // expanded names
  std::vector<ArgCondition> args;
  std::vector<StringCondition> strings;
  CallerCondition caller;
  RuleAction action = RuleAction::Deny;
  int errno_value = 1;             // Deny, and Ask's default when it denies
  std::string handler;             // Emulate
  nlohmann::json handler_options;  // Emulate
  std::chrono::milliseconds ask_timeout{30000};
  bool ask_default_allow = false;
  LogLevel log = LogLevel::Info;
};

struct Policy {
  std::string name;         // file name, e.g. "default.json"
  std::string source_path;  // as given
  std::string comment;
  FilterLayer filter;
  std::vector<Rule> rules;  // first match wins; no match: EPERM

  // The original document, so that a supervisor elsewhere can rebuild the same policy.
  nlohmann::json document;
};

using PolicyPtr = std::shared_ptr<const Policy>;

}  // namespace tollgate
