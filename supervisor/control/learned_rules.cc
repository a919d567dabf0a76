#include "supervisor/control/learned_rules.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "core/errno_names.h"
#include "core/file_text.h"
#include "core/json_input.h"
#include "core/json_output.h"
#include "core/policy_parser.h"
#include "core/syscall_signatures.h"
#include "core/utf8.h"
#include "supervisor/caller/call_formatter.h"
#include "tollgate/unique_fd.h"

namespace tollgate {
namespace {

constexpr const char* kFileComment =
    "Rules learned from interactive \"always\" answers (tollgate --learned). They apply only to calls a "
    "policy sends to \"ask\"; the filter fields here are placeholders and never build a filter.";

// Glob metacharacters in a real path must match only themselves.
std::string glob_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// Removes a temporary file on every way out of a function, unless it was renamed into place.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::string path) : path_(std::move(path)) {}
  ~TemporaryFile() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  void keep() { path_.clear(); }

 private:
  std::string path_;
};

nlohmann::json document_of(const nlohmann::json& rules) {
  return {{"comment", kFileComment}, {"defaultAction", "SCMP_ACT_ALLOW"}, {"rules", rules}};
}

}  // namespace

std::expected<std::unique_ptr<LearnedRules>, std::string> LearnedRules::open(const std::string& path) {
  std::unique_ptr<LearnedRules> learned(new LearnedRules(path));
  if (auto r = learned->reload(); !r) return std::unexpected(r.error());
  return learned;
}

std::expected<void, std::string> LearnedRules::reload() {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return adopt(nlohmann::json::array());
  auto text = read_file(path_);
  if (!text) return std::unexpected(path_ + ": cannot read: " + std::strerror(text.error()));
  auto parsed = parse_json_input(*text);
  if (!parsed) return std::unexpected(path_ + ": " + parsed.error().describe());
  nlohmann::json doc = std::move(*parsed);
  if (!doc.is_object() || !doc.contains("rules") || !doc["rules"].is_array())
    return std::unexpected(path_ + ": not a learned-rules file (expected a JSON object with \"rules\")");
  return adopt(doc["rules"]);
}

std::expected<void, std::string> LearnedRules::adopt(nlohmann::json rules) {
  PolicyParseOptions options;
  options.flavor = PolicyFlavor::Tollgate;
  auto policy = parse_policy_json(document_of(rules), path_, options);
  if (!policy) return std::unexpected(policy.error().to_string());
  set_ = std::make_unique<RuleSet>(*policy);
  rules_ = std::move(rules);
  return {};
}

std::optional<Decision> LearnedRules::decide(CallContext& call) const {
  if (rules_.empty()) return std::nullopt;
  auto d = set_->decide_if_matched(call);
  // "caller or argument unreadable" from a learned rule: let the person decide rather than a guess.
  if (d && d->rule == nullptr) return std::nullopt;
  return d;
}

std::expected<void, std::string> LearnedRules::learn(CallContext& call, bool allow, int error) {
  if (call.syscall_name().empty()) return std::unexpected("this syscall has no name to write a rule for");
  const std::string name(call.syscall_name());
  const SyscallSignature* sig = find_syscall_signature(name);
  nlohmann::json rule = {
      {"name", "learned-" + std::to_string(rules_.size() + 1)},
      {"comment", std::string(allow ? "allowed" : "denied") + " always: " + format_call(call)},
      {"syscalls", {name}},
      {"action", allow ? "allow" : "deny"}};
  if (!allow) rule["errno"] = errno_name(error);
  nlohmann::json args = nlohmann::json::array();
  nlohmann::json strings = nlohmann::json::array();
  const unsigned count = sig != nullptr ? sig->arg_count : 6;
  for (unsigned i = 0; i < count; ++i) {
    const bool pointer = sig != nullptr && is_pointer_kind(sig->args[i]);
    if (!pointer) {
      args.push_back({{"index", i}, {"value", call.arg(i)}, {"op", "SCMP_CMP_EQ"}});
      continue;
    }
    const bool is_string = sig->args[i] == ArgKind::Path || sig->args[i] == ArgKind::String;
    if (allow || !is_string || call.arg(i) == 0) continue;
    const auto& s = call.string_arg(i);
    if (!s)
      return std::unexpected("argument " + std::to_string(i) + " is unreadable: " + std::strerror(s.error()));
    // JSON holds only UTF-8: any other bytes would be saved changed, and the rule would match another path.
    if (!is_utf8(*s))
      return std::unexpected(
          "argument " + std::to_string(i) +
          " is not UTF-8, so no rule can match it exactly; answer this call without --always");
    strings.push_back({{"index", i}, {"equals", *s}});
  }
  if (!args.empty()) rule["args"] = std::move(args);
  if (!strings.empty()) rule["strings"] = std::move(strings);
  if (const auto& p = call.process(); p && !p->exe.empty()) {
    if (!is_utf8(p->exe))
      return std::unexpected(
          "the caller's executable path is not UTF-8, so no rule can match it exactly; "
          "answer this call without --always");
    rule["caller"] = {{"exe", glob_escape(p->exe)}};
  }

  // Allow rules go before every deny rule: the parser refuses an allow reached after a rule that matched
  // on strings (it would CONTINUE on the strength of user memory).
  nlohmann::json next = nlohmann::json::array();
  for (const auto& r : rules_)
    if (r.value("action", "") == "allow") next.push_back(r);
  if (allow) next.push_back(rule);
  for (const auto& r : rules_)
    if (r.value("action", "") != "allow") next.push_back(r);
  if (!allow) next.push_back(rule);

  // The file first, then memory: both change, or neither does.
  PolicyParseOptions options;
  options.flavor = PolicyFlavor::Tollgate;
  if (auto parsed = parse_policy_json(document_of(next), path_, options); !parsed)
    return std::unexpected("the learned rule does not parse: " + parsed.error().to_string());
  if (auto w = write_file(next); !w) return std::unexpected(w.error());
  if (auto r = adopt(std::move(next)); !r)
    return std::unexpected("the learned rule does not parse: " + r.error());
  return {};
}

std::expected<void, std::string> LearnedRules::write_file(const nlohmann::json& rules) const {
  // Atomic: a reader (or a crash) sees the old file or the new one, never half of one.
  namespace fs = std::filesystem;
  // The text exists before the temporary file does: nothing below can fail half-way through serialising.
  const std::string text = json_text(document_of(rules), 2) + "\n";
  const fs::path target(path_);
  std::string temp = (target.parent_path().empty() ? fs::path(".") : target.parent_path()) /
                     ("." + target.filename().string() + ".XXXXXX");
  UniqueFd fd(mkostemp(temp.data(), O_CLOEXEC));
  if (!fd) return std::unexpected(path_ + ": cannot create a temporary file: " + std::strerror(errno));
  TemporaryFile cleanup(temp);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::unexpected(path_ + ": write: " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  if (fchmod(fd.get(), 0644) != 0 || fsync(fd.get()) != 0 || rename(temp.c_str(), path_.c_str()) != 0)
    return std::unexpected(path_ + ": " + std::strerror(errno));
  cleanup.keep();  // renamed into place
  return {};
}

}  // namespace tollgate
