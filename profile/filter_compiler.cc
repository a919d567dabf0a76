#include "profile/filter_compiler.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/policy_parser.h"
#include "core/syscall_names.h"
#include "tollgate/unique_fd.h"

namespace tollgate {
namespace {

struct ContextDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using SeccompContext = std::unique_ptr<void, ContextDeleter>;

scmp_compare to_scmp_op(ArgOp op) {
  switch (op) {
    case ArgOp::NotEqual: return SCMP_CMP_NE;
    case ArgOp::LessThan: return SCMP_CMP_LT;
    case ArgOp::LessEqual: return SCMP_CMP_LE;
    case ArgOp::Equal: return SCMP_CMP_EQ;
    case ArgOp::GreaterEqual: return SCMP_CMP_GE;
    case ArgOp::GreaterThan: return SCMP_CMP_GT;
    case ArgOp::MaskedEqual: return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

scmp_arg_cmp to_scmp_cond(const ArgCondition& c) {
  // runtime-spec's MASKED_EQ is (arg & value) == valueTwo, which is libseccomp's (mask, datum) order.
  return scmp_arg_cmp{c.index, to_scmp_op(c.op), c.value, c.value_two};
}

std::string scmp_error(const std::string& where, const std::string& what, int rc) {
  return where + ": " + what + ": " + std::strerror(-rc);
}

// Adds one entry for one syscall the way runc does: all conditions in one rule (AND) when every argument
// index appears once; one rule per condition (OR) when an index repeats, as Docker's profiles rely on.
std::expected<void, std::string> add_rules(void* ctx, uint32_t action, int nr, const SyscallEntry& entry,
                                           const std::string& name) {
  std::vector<scmp_arg_cmp> conds;
  std::array<unsigned, 6> per_index{};
  for (const auto& c : entry.args) {
    conds.push_back(to_scmp_cond(c));
    ++per_index[c.index];
  }
  const bool repeated_index = std::any_of(per_index.begin(), per_index.end(), [](unsigned n) { return n > 1; });
  auto add = [&](unsigned count, const scmp_arg_cmp* array) -> std::expected<void, std::string> {
    int rc = seccomp_rule_add_exact_array(ctx, action, nr, count, array);
    if (rc == 0) return {};
    return std::unexpected(scmp_error(entry.json_pointer, "cannot add a rule for " + name, rc));
  };
  if (!repeated_index) return add(static_cast<unsigned>(conds.size()), conds.data());
  for (const auto& c : conds)
    if (auto r = add(1, &c); !r) return r;
  return {};
}

std::expected<std::vector<sock_filter>, std::string> export_bpf(void* ctx) {
  // libseccomp 2.5 exports only to an fd.
  UniqueFd mem(static_cast<int>(syscall(SYS_memfd_create, "tollgate-bpf", MFD_CLOEXEC)));
  if (!mem) return std::unexpected(std::string("memfd_create: ") + std::strerror(errno));
  if (int rc = seccomp_export_bpf(ctx, mem.get()); rc != 0)
    return std::unexpected(std::string("seccomp_export_bpf: ") + std::strerror(-rc));
  off_t size = lseek(mem.get(), 0, SEEK_END);
  if (size <= 0 || size % sizeof(sock_filter) != 0) return std::unexpected("seccomp_export_bpf produced no program");
  std::vector<sock_filter> program(static_cast<size_t>(size) / sizeof(sock_filter));
  if (pread(mem.get(), program.data(), static_cast<size_t>(size), 0) != size)
    return std::unexpected(std::string("reading the exported filter: ") + std::strerror(errno));
  return program;
}

// Runs before libseccomp's program: a foreign architecture is killed outright, and seccomp(2) asking for a
// new listener is refused, so that a target cannot stack a notifying filter of its own over ours and answer
// its own calls (the kernel refuses a second listener in one chain with EBUSY today; this does not rely on it).
std::vector<sock_filter> guard_prefix() {
  constexpr uint32_t kArgLow0 = offsetof(seccomp_data, args[0]);  // little endian: low word first
  constexpr uint32_t kArgLow1 = offsetof(seccomp_data, args[1]);
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "argument offsets assume little endian");
  return {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, native_audit_arch(), 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_seccomp, 0, 5),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArgLow0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_SET_MODE_FILTER, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArgLow1),
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
  };
}

}  // namespace

uint32_t filter_return_value(FilterAction action, std::optional<int> errno_ret) {
  // An ERRNO or TRACE entry without errnoRet means EPERM, as in runc.
  const int err = errno_ret.value_or(EPERM);
  switch (action) {
    case FilterAction::Allow: return SCMP_ACT_ALLOW;
    case FilterAction::Errno: return SCMP_ACT_ERRNO(err);
    case FilterAction::KillThread: return SCMP_ACT_KILL_THREAD;
    case FilterAction::KillProcess: return SCMP_ACT_KILL_PROCESS;
    case FilterAction::Trap: return SCMP_ACT_TRAP;
    case FilterAction::Log: return SCMP_ACT_LOG;
    case FilterAction::Trace: return SCMP_ACT_TRACE(err);
    case FilterAction::Notify: return SCMP_ACT_NOTIFY;
  }
  return SCMP_ACT_KILL_PROCESS;
}

std::expected<CompiledFilter, std::string> compile_filter(const FilterLayer& filter, const FilterEnvironment& env) {
  const uint32_t default_action =
      filter_return_value(filter.default_action, filter.default_errno_ret.value_or(EPERM));
  SeccompContext ctx(seccomp_init(default_action));
  if (!ctx) return std::unexpected("seccomp_init failed");
  // Foreign architectures are already killed by the guard prefix; libseccomp also kills x32 on x86_64.
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  // The agent sets no_new_privs itself when it must (without CAP_SYS_ADMIN).
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);

  CompiledFilter out;
  for (const SyscallEntry& entry : filter.syscalls) {
    if (!entry_applies(entry, env)) continue;
    const uint32_t action = filter_return_value(entry.action, entry.errno_ret);
    // libseccomp refuses a rule whose action is the default one; runc skips it, and so do we.
    if (action == default_action) continue;
    for (const std::string& name : entry.names) {
      auto nr = resolve_native_syscall(name);
      if (!nr) continue;  // the parser recorded it as skipped
      if (auto r = add_rules(ctx.get(), action, *nr, entry, name); !r) return std::unexpected(r.error());
      if (entry.action == FilterAction::Notify) out.notified_syscalls.push_back(*nr);
    }
  }
  auto body = export_bpf(ctx.get());
  if (!body) return std::unexpected(body.error());
  out.program = guard_prefix();
  out.program.insert(out.program.end(), body->begin(), body->end());
  if (out.program.size() > BPF_MAXINSNS)
    return std::unexpected("the filter has " + std::to_string(out.program.size()) + " instructions, more than the kernel's " +
                           std::to_string(BPF_MAXINSNS));
  std::sort(out.notified_syscalls.begin(), out.notified_syscalls.end());
  out.notified_syscalls.erase(std::unique(out.notified_syscalls.begin(), out.notified_syscalls.end()),
                              out.notified_syscalls.end());
  return out;
}

}  // namespace tollgate
