#include "supervisor/diagnose/profile_suggestion.h"

#include <algorithm>
#include <set>

#include "core/json_input.h"
#include "core/json_output.h"
#include "core/policy_parser.h"
#include "core/syscall_names.h"
#include "profile/profile_variants.h"

namespace tollgate {
namespace {

// Ordered, so that the suggestion keeps the profile's own key order and diffs against it cleanly.
using json = nlohmann::ordered_json;

constexpr int kMaxRounds = 4;

seccomp_data data_for(const AuditFinding& f, const std::array<uint64_t, 6>& args) {
  seccomp_data d{};
  d.nr = f.nr;
  d.arch = native_audit_arch();
  std::copy(args.begin(), args.end(), std::begin(d.args));
  return d;
}

bool plain(const SyscallEntry& e) {
  return e.args.empty() && e.includes.empty() && e.excludes.empty();
}

// P's main allow entry: the unconditional ALLOW entry with the most names.
int main_allow_entry(const FilterLayer& filter) {
  int best = -1;
  for (size_t i = 0; i < filter.syscalls.size(); ++i) {
    const SyscallEntry& e = filter.syscalls[i];
    if (e.action != FilterAction::Allow || !plain(e)) continue;
    if (best < 0 || e.names.size() > filter.syscalls[best].names.size()) best = static_cast<int>(i);
  }
  return best;
}

// The argument indices P's own ALLOW entries for `name` condition on (applicable ones only).
std::set<unsigned> conditioned_indices(const FilterLayer& filter, const FilterEnvironment& env,
                                       const std::string& name) {
  std::set<unsigned> out;
  for (const SyscallEntry& e : filter.syscalls) {
    if (e.action != FilterAction::Allow || e.args.empty() || !entry_applies(e, env)) continue;
    if (std::find(e.names.begin(), e.names.end(), name) == e.names.end()) continue;
    for (const auto& c : e.args) out.insert(c.index);
  }
  return out;
}

class Editor {
 public:
  Editor(json doc, const FilterEnvironment& env) : doc_(std::move(doc)), env_(env) {}

  // One fix for one call that the candidate `current` still denies.
  void fix(const Policy& current, const ProfileJudgement& j, const AuditFinding& f,
           const std::array<uint64_t, 6>& args, std::vector<std::string>& changes) {
    if (j.entry != nullptr) {
      if (!removed_.insert({j.entry_index, f.syscall}).second) return;
      changes.push_back("removed " + f.syscall + " from " + j.entry->json_pointer + " (" +
                        describe_action(j.entry->action, j.entry->errno_ret) + ")");
      return;
    }
    const std::set<unsigned> indices = conditioned_indices(current.filter, env_, f.syscall);
    if (!indices.empty()) {
      json conditions = json::array();
      std::string seen;
      for (unsigned i : indices) {
        conditions.push_back({{"index", i}, {"value", args[i]}, {"valueTwo", 0}, {"op", "SCMP_CMP_EQ"}});
        seen += (seen.empty() ? "" : ", ") + ("arg" + std::to_string(i) + " = " + std::to_string(args[i]));
      }
      if (!added_conditioned_.insert(f.syscall + "|" + seen).second) return;
      doc_["syscalls"].push_back({{"names", {f.syscall}},
                                  {"action", "SCMP_ACT_ALLOW"},
                                  {"args", conditions},
                                  {"comment", "added by tollgate audit: seen with " + seen}});
      changes.push_back("added an entry allowing " + f.syscall + " when " + seen +
                        " (the profile allows it only for certain arguments)");
      return;
    }
    if (!added_plain_.insert(f.syscall).second) return;
    const int main = main_allow_entry(current.filter);
    if (main >= 0) {
      doc_["syscalls"][main]["names"].push_back(f.syscall);
      changes.push_back("added " + f.syscall + " to the allow entry " +
                        current.filter.syscalls[main].json_pointer);
    } else {
      doc_["syscalls"].push_back(
          {{"names", {f.syscall}}, {"action", "SCMP_ACT_ALLOW"}, {"comment", "added by tollgate audit"}});
      changes.push_back("added an entry allowing " + f.syscall);
    }
  }

  // Applies the removals (entries left without names go) and starts a new round.
  json finish_round() {
    std::set<int> emptied;
    for (const auto& [index, name] : removed_) {
      json& names = doc_["syscalls"][index]["names"];
      names.erase(std::remove(names.begin(), names.end(), json(name)), names.end());
      if (names.empty()) emptied.insert(index);
    }
    for (auto it = emptied.rbegin(); it != emptied.rend(); ++it)
      doc_["syscalls"].erase(static_cast<size_t>(*it));
    removed_.clear();
    return doc_;
  }

 private:
  json doc_;
  const FilterEnvironment& env_;
  std::set<std::pair<int, std::string>> removed_;
  std::set<std::string> added_plain_;
  std::set<std::string> added_conditioned_;
};

}  // namespace

std::expected<SuggestedProfile, std::string> suggest_profile(
    const Policy& profile, const FilterEnvironment& env, const std::vector<const AuditFinding*>& findings,
    const std::optional<std::string>& original_text) {
  SuggestedProfile out;
  json doc = json::parse(json_text(profile.document));
  if (original_text) {
    // Parsed again here to keep the file's key order. The text already parsed as this policy (within
    // core/json_input.h's limits), so this cannot be deeper than those.
    try {
      doc = json::parse(*original_text);
    } catch (const json::exception&) {
      // The policy came from elsewhere (a merged document); the parsed copy will do.
    }
  }
  if (!doc.contains("syscalls") || !doc["syscalls"].is_array()) doc["syscalls"] = json::array();
  Editor editor(doc, env);
  const PolicyParseOptions options{PolicyFlavor::DockerProfile};
  for (int round = 0; round <= kMaxRounds; ++round) {
    // Through text, as a file would be read: the numbers take the types a reader would give them.
    auto reparsed = parse_json_input(json_text(doc));
    if (!reparsed)
      return std::unexpected("the suggested profile does not parse: " + reparsed.error().describe());
    auto candidate = parse_policy_json(*reparsed, profile.source_path, options);
    if (!candidate)
      return std::unexpected("the suggested profile does not parse: " + candidate.error().to_string());
    auto judge = ProfileJudge::create(*candidate, env);
    if (!judge) return std::unexpected("the suggested profile does not compile: " + judge.error());
    bool denied = false;
    for (const AuditFinding* f : findings) {
      for (const auto& args : f->arg_samples) {
        const ProfileJudgement j = judge->judge(data_for(*f, args), f->syscall);
        if (!is_denying(j.kind)) continue;
        if (round == kMaxRounds) return std::unexpected("could not find a change that allows " + f->syscall);
        denied = true;
        editor.fix(**candidate, j, *f, args, out.changes);
      }
    }
    if (!denied) break;
    doc = editor.finish_round();
  }
  out.document = std::move(doc);
  return out;
}

}  // namespace tollgate
