#include "supervisor/diagnose/syscall_learner.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/syscall_names.h"
#include "core/syscall_signatures.h"

namespace tollgate {
namespace {

// Syscalls whose arguments say what a program really needs: shown in the entry's comment.
struct Sensitive {
  std::string_view name;
  unsigned index;
  ArgKind kind;
  uint64_t mask;  // bits that matter (clone's low byte is the exit signal)
};
constexpr Sensitive kSensitive[] = {
    {"socket", 0, ArgKind::SocketFamily, ~uint64_t{0}},
    {"socketpair", 0, ArgKind::SocketFamily, ~uint64_t{0}},
    {"personality", 0, ArgKind::Hex, ~uint64_t{0}},
    {"clone", 0, ArgKind::CloneFlags, ~uint64_t{0xff}},
    {"unshare", 0, ArgKind::CloneFlags, ~uint64_t{0}},
};

const Sensitive* sensitive(std::string_view name) {
  for (const Sensitive& s : kSensitive)
    if (s.name == name) return &s;
  return nullptr;
}

// "SCMP_ARCH_X86_64": the learned profile is valid for the architecture it was learned on.
std::string scmp_arch_name() {
  std::string a(native_arch_name());
  std::transform(a.begin(), a.end(), a.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return "SCMP_ARCH_" + a;
}

}  // namespace

Decision SyscallLearner::decide(CallContext& call) const {
  Seen& s = seen_[call.notification().data.nr];
  ++s.count;
  std::array<uint64_t, 6> args;
  std::copy(std::begin(call.notification().data.args), std::end(call.notification().data.args), args.begin());
  if (s.samples.size() < AuditFinding::kMaxSamples &&
      std::find(s.samples.begin(), s.samples.end(), args) == s.samples.end())
    s.samples.push_back(args);
  return {Verdict::Continue, 0, 0, nullptr, "learn: recorded"};
}

std::vector<AuditFinding> SyscallLearner::seen() const {
  std::vector<AuditFinding> out;
  for (const auto& [nr, s] : seen_) {
    const std::string_view name = native_syscall_name(nr);
    if (name.empty()) continue;  // a number this libseccomp cannot name cannot be written in a profile either
    AuditFinding f;
    f.syscall = std::string(name);
    f.nr = nr;
    f.count = s.count;
    f.arg_samples = s.samples;
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(),
            [](const AuditFinding& a, const AuditFinding& b) { return a.syscall < b.syscall; });
  return out;
}

nlohmann::json SyscallLearner::profile(const std::vector<std::string>& command,
                                       const std::set<std::string>& unobserved) const {
  std::string cmdline;
  for (const auto& a : command) cmdline += (cmdline.empty() ? "" : " ") + a;
  std::set<std::string> plain(unobserved);
  nlohmann::json entries = nlohmann::json::array();
  for (const AuditFinding& f : seen()) {
    const Sensitive* s = sensitive(f.syscall);
    if (s == nullptr) {
      plain.insert(f.syscall);
      continue;
    }
    plain.erase(f.syscall);
    std::set<std::string> values;
    for (const auto& args : f.arg_samples) values.insert(format_arg(s->kind, args[s->index] & s->mask));
    std::string comment = "seen with arg" + std::to_string(s->index) + ":";
    for (const auto& v : values) comment += " " + v;
    entries.push_back({{"names", {f.syscall}}, {"action", "SCMP_ACT_ALLOW"}, {"comment", comment}});
  }
  entries.insert(entries.begin(), nlohmann::json{{"names", plain},
                                                 {"action", "SCMP_ACT_ALLOW"},
                                                 {"comment", "learned by tollgate learn from: " + cmdline}});
  return {{"defaultAction", "SCMP_ACT_ERRNO"},
          {"defaultErrnoRet", 1},
          {"architectures", {scmp_arch_name()}},
          {"syscalls", entries}};
}

}  // namespace tollgate
