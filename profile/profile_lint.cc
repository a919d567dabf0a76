#include "profile/profile_lint.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>

#include "profile/filter_compiler.h"
#include "profile/profile_judge.h"
#include "profile/profile_variants.h"
#include "core/arg_condition.h"
#include "core/policy_parser.h"
#include "core/syscall_names.h"
#include "core/syscall_signatures.h"

namespace tollgate {
namespace {

// The architecture names Docker/moby accept in includes/excludes "arches".
constexpr std::string_view kGoArches[] = {"386",    "amd64",    "arm",       "arm64",       "loong64", "mips",
                                          "mips64", "mips64le", "mips64n32", "mips64n32le", "mipsle",  "ppc",
                                          "ppc64",  "ppc64le",  "riscv64",   "s390",        "s390x",   "x32",
                                          "x86",    "parisc",   "parisc64"};

// Syscalls that do the same job: denying one while the default allows the others stops nothing.
const std::vector<std::vector<std::string_view>> kEquivalents = {
    {"open", "openat", "openat2", "creat", "open_by_handle_at"},
    {"execve", "execveat"},
    {"clone", "clone3", "fork", "vfork"},
    {"stat", "lstat", "newfstatat", "statx"},
    {"unlink", "unlinkat", "rmdir"},
    {"rename", "renameat", "renameat2"},
    {"mkdir", "mkdirat"},
    {"mknod", "mknodat"},
    {"link", "linkat"},
    {"symlink", "symlinkat"},
    {"chmod", "fchmod", "fchmodat"},
    {"chown", "fchown", "fchownat", "lchown"},
    {"access", "faccessat", "faccessat2"},
    {"mount", "fsopen", "fsmount", "move_mount", "open_tree", "fsconfig"},
    {"umount2", "umount"},
    {"kill", "tkill", "tgkill", "pidfd_send_signal", "rt_sigqueueinfo", "rt_tgsigqueueinfo"},
    {"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd"},
    {"setuid", "setreuid", "setresuid"},
    {"setgid", "setregid", "setresgid"},
    {"dup2", "dup3"},
    {"send", "sendto", "sendmsg", "sendmmsg"},
    {"utime", "utimes", "utimensat", "futimesat"},
    {"setxattr", "lsetxattr", "fsetxattr"},
    {"removexattr", "lremovexattr", "fremovexattr"},
    {"init_module", "finit_module"},
    {"kexec_load", "kexec_file_load"},
};

bool lists(const SyscallEntry& e, std::string_view name) {
  return std::find(e.names.begin(), e.names.end(), name) != e.names.end();
}

size_t entry_index_of(const std::string& pointer) {  // "/syscalls/3/names/7" -> 3
  return static_cast<size_t>(std::stoul(pointer.substr(std::string("/syscalls/").size())));
}

bool known_capability(const std::string& cap) {
  for (unsigned i = 0; i < 64; ++i)
    if (capability_name(i) == cap) return true;
  return false;
}

bool known_arch(const std::string& arch) {
  return std::find(std::begin(kGoArches), std::end(kGoArches), arch) != std::end(kGoArches);
}

// An argument value for which the condition holds, if there is one.
std::optional<uint64_t> satisfying(const ArgCondition& c) {
  switch (c.op) {
    case ArgOp::Equal:
    case ArgOp::GreaterEqual:
    case ArgOp::LessEqual:
      return c.value;
    case ArgOp::NotEqual:
      return c.value + 1;
    case ArgOp::GreaterThan:
      return c.value == UINT64_MAX ? std::nullopt : std::optional(c.value + 1);
    case ArgOp::LessThan:
      return c.value == 0 ? std::nullopt : std::optional(c.value - 1);
    case ArgOp::MaskedEqual:
      return (c.value_two & ~c.value) != 0 ? std::nullopt : std::optional(c.value_two);
  }
  return std::nullopt;
}

class Linter {
 public:
  Linter(const Policy& p, const FilterEnvironment& env, const std::set<std::string>* kernel)
      : p_(p), env_(env), kernel_(kernel) {}

  std::vector<LintFinding> run() {
    skipped_names();
    unknown_to_kernel();
    conditions();
    duplicates();
    ineffective();
    bypassable();
    return std::move(out_);
  }

 private:
  void add(LintSeverity s, std::string check, std::string pointer, std::string message) {
    out_.push_back({s, std::move(check), std::move(pointer), std::move(message)});
  }
  const FilterLayer& f() const { return p_.filter; }

  void skipped_names() {
    const std::string fallback = describe_action(f().default_action, f().default_errno_ret);
    for (const SkippedName& s : f().skipped_names) {
      const SyscallEntry& e = f().syscalls[entry_index_of(s.json_pointer)];
      if (s.unknown_to_libseccomp) {
        std::string m = "\"" + s.name + "\" is " + describe(SyscallNameProblem::UnknownToLibseccomp) +
                        ": this entry silently leaves it out of the filter";
        if (e.action == FilterAction::Allow && is_denying(f().default_action))
          m += ", so a program calling it gets the defaultAction " + fallback +
               " instead of being allowed (a newer program using it, e.g. coreutils with statx, fails)";
        add(LintSeverity::Warning, "unknown-to-libseccomp", s.json_pointer, m);
        continue;
      }
      const bool meant_for_here = std::find(e.includes.arches.begin(), e.includes.arches.end(),
                                            env_.go_arch) != e.includes.arches.end();
      add(meant_for_here ? LintSeverity::Warning : LintSeverity::Note, "not-on-this-arch", s.json_pointer,
          "\"" + s.name + "\" is " + describe(SyscallNameProblem::NotOnThisArch) +
              (meant_for_here ? ", though the entry is meant for " + env_.go_arch
                              : " (fine in a multi-architecture profile)"));
    }
  }

  // Harmless for the filter (the kernel answers ENOSYS whatever the profile says), but worth knowing.
  void unknown_to_kernel() {
    if (kernel_ == nullptr) return;
    for (const SyscallEntry& e : f().syscalls) {
      if (!entry_applies(e, env_)) continue;
      for (size_t i = 0; i < e.names.size(); ++i)
        if (!kernel_->contains(e.names[i]))
          add(LintSeverity::Note, "not-in-this-kernel", e.json_pointer + "/names/" + std::to_string(i),
              "\"" + e.names[i] + "\" is not implemented by this kernel (" +
                  std::to_string(env_.kernel.major) + "." + std::to_string(env_.kernel.minor) +
                  "): it fails with ENOSYS whatever the profile says");
    }
  }

  void conditions() {
    for (const SyscallEntry& e : f().syscalls) {
      for (const auto* cond : {&e.includes, &e.excludes}) {
        const std::string where = e.json_pointer + (cond == &e.includes ? "/includes" : "/excludes");
        for (const auto& cap : cond->caps)
          if (!known_capability(cap))
            add(LintSeverity::Warning, "unknown-capability", where + "/caps",
                "\"" + cap + "\" is not a capability" +
                    (cond == &e.includes ? ": the entry can never apply"
                                         : ": this exclusion never takes effect"));
        for (const auto& arch : cond->arches)
          if (!known_arch(arch))
            add(LintSeverity::Warning, "unknown-arch", where + "/arches",
                "\"" + arch + "\" is not an architecture name Docker knows" +
                    (cond == &e.includes && cond->arches.size() == 1 ? ": the entry can never apply" : ""));
      }
      for (const auto& cap : e.includes.caps)
        if (std::find(e.excludes.caps.begin(), e.excludes.caps.end(), cap) != e.excludes.caps.end())
          add(LintSeverity::Warning, "never-applies", e.json_pointer,
              "includes and excludes both name " + cap);
      if (e.includes.min_kernel && e.excludes.min_kernel &&
          !(*e.includes.min_kernel < *e.excludes.min_kernel))
        add(LintSeverity::Warning, "never-applies", e.json_pointer,
            "includes.minKernel is not below excludes.minKernel: no kernel satisfies both");
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (!satisfying(e.args[i]))
          add(LintSeverity::Warning, "never-matches", e.json_pointer + "/args/" + std::to_string(i),
              describe_condition(e.args[i]) + " holds for no value");
        for (const std::string& name : e.names) {
          const SyscallSignature* sig = find_syscall_signature(name);
          if (sig != nullptr && e.args[i].index >= sig->arg_count)
            add(LintSeverity::Warning, "never-matches", e.json_pointer + "/args/" + std::to_string(i),
                name + " has " + std::to_string(sig->arg_count) + " arguments; arg" +
                    std::to_string(e.args[i].index) + " is always 0 or garbage");
        }
      }
    }
  }

  static bool same_rule(const SyscallEntry& a, const SyscallEntry& b) {
    auto key = [](const SyscallEntry& e) {
      std::vector<std::array<uint64_t, 4>> args;
      for (const auto& c : e.args)
        args.push_back({c.index, c.value, c.value_two, static_cast<uint64_t>(c.op)});
      return std::tuple(e.action, e.errno_ret.value_or(EPERM), args, e.includes.caps, e.includes.arches,
                        e.includes.min_kernel, e.excludes.caps, e.excludes.arches, e.excludes.min_kernel);
    };
    return key(a) == key(b);
  }

  void duplicates() {
    std::map<std::string, size_t> first;  // name -> entry that listed it first
    for (size_t i = 0; i < f().syscalls.size(); ++i) {
      const SyscallEntry& e = f().syscalls[i];
      std::set<std::string> here;
      for (const std::string& name : e.names) {
        if (!here.insert(name).second) {
          add(LintSeverity::Warning, "duplicate", e.json_pointer + "/names",
              "\"" + name + "\" is listed twice");
          continue;
        }
        auto [it, fresh] = first.try_emplace(name, i);
        if (!fresh && same_rule(f().syscalls[it->second], e))
          add(LintSeverity::Warning, "duplicate", e.json_pointer + "/names",
              "\"" + name + "\" repeats " + f().syscalls[it->second].json_pointer + " exactly");
      }
    }
  }

  // An entry whose action the compiled filter never returns, for arguments its conditions accept: libseccomp
  // keeps one action per syscall and argument test, so another entry wins (an unconditional rule overrides
  // argument-conditioned ones; of two unconditional ones the first stays).
  void ineffective() {
    auto judge = ProfileJudge::create(std::make_shared<Policy>(p_), env_);
    if (!judge) {
      add(LintSeverity::Error, "does-not-compile", "", judge.error());
      return;
    }
    for (const SyscallEntry& e : f().syscalls) {
      if (!entry_applies(e, env_)) continue;
      const uint32_t expected = filter_return_value(e.action, e.errno_ret);
      for (const std::string& name : e.names) {
        auto nr = resolve_native_syscall(name);
        if (!nr) continue;
        for (const seccomp_data& data : accepted_arguments(e, *nr)) {
          const ProfileJudgement j = judge->judge(data, name);
          if (j.action == expected) continue;
          add(LintSeverity::Warning, "ineffective", e.json_pointer,
              "its " + describe_action(e.action, e.errno_ret) + " for " + name +
                  " never takes effect here: the filter gives " + describe_action(j.kind, j.error) + " (" +
                  j.rule + ")");
          break;
        }
      }
    }
  }

  // Argument sets the entry accepts: one for AND-ed conditions, one per condition when an index repeats (OR).
  static std::vector<seccomp_data> accepted_arguments(const SyscallEntry& e, int nr) {
    seccomp_data base{};
    base.nr = nr;
    base.arch = native_audit_arch();
    std::vector<seccomp_data> out;
    if (!conditions_are_alternatives(e.args)) {
      for (const auto& c : e.args) {
        auto v = satisfying(c);
        if (!v) return {};
        base.args[c.index] = *v;
      }
      return {base};
    }
    for (const auto& c : e.args) {
      if (auto v = satisfying(c)) {
        seccomp_data d = base;
        d.args[c.index] = *v;
        out.push_back(d);
      }
    }
    return out;
  }

  void bypassable() {
    if (is_denying(f().default_action)) return;
    for (const SyscallEntry& e : f().syscalls) {
      if (!is_denying(e.action) || !e.args.empty() || !entry_applies(e, env_)) continue;
      for (const auto& group : kEquivalents) {
        bool denied_here = false;
        for (auto n : group) denied_here = denied_here || lists(e, n);
        if (!denied_here) continue;
        std::vector<std::string> open;
        for (auto n : group) {
          if (!resolve_native_syscall(n)) continue;
          bool denied = false;
          for (const SyscallEntry& other : f().syscalls)
            denied = denied || (is_denying(other.action) && other.args.empty() &&
                                entry_applies(other, env_) && lists(other, n));
          if (!denied) open.push_back(std::string(n));
        }
        if (open.empty()) continue;
        std::string alt;
        for (const auto& n : open) alt += (alt.empty() ? "" : ", ") + n;
        add(LintSeverity::Warning, "bypassable", e.json_pointer,
            "denies " + std::string(group.front()) + "-like calls but the defaultAction " +
                std::string(tollgate::to_string(f().default_action)) + " still allows " + alt +
                ", which do the same job");
      }
    }
  }

  const Policy& p_;
  const FilterEnvironment& env_;
  const std::set<std::string>* kernel_;
  std::vector<LintFinding> out_;
};

}  // namespace

std::vector<LintFinding> lint_profile(const Policy& profile, const FilterEnvironment& env,
                                      const std::set<std::string>* kernel_syscalls) {
  return Linter(profile, env, kernel_syscalls).run();
}

int lint_exit_status(const std::vector<LintFinding>& findings) {
  int status = 0;
  for (const auto& f : findings) {
    if (f.severity == LintSeverity::Error) return 2;
    if (f.severity == LintSeverity::Warning) status = 1;
  }
  return status;
}

std::string_view to_string(LintSeverity s) {
  switch (s) {
    case LintSeverity::Note:
      return "note";
    case LintSeverity::Warning:
      return "warning";
    case LintSeverity::Error:
      return "error";
  }
  return "?";
}

nlohmann::json lint_report(const std::string& file, const std::vector<LintFinding>& findings) {
  nlohmann::json list = nlohmann::json::array();
  std::map<std::string, int> counts{{"error", 0}, {"warning", 0}, {"note", 0}};
  for (const auto& f : findings) {
    ++counts[std::string(to_string(f.severity))];
    list.push_back({{"severity", to_string(f.severity)},
                    {"check", f.check},
                    {"pointer", f.pointer},
                    {"message", f.message}});
  }
  return {{"profile", file},           {"findings", list},
          {"errors", counts["error"]}, {"warnings", counts["warning"]},
          {"notes", counts["note"]},   {"exit_status", lint_exit_status(findings)}};
}

}  // namespace tollgate
