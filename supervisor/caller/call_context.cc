#include "supervisor/caller/call_context.h"

#include "core/syscall_signatures.h"
#include "supervisor/caller/target_memory.h"

namespace tollgate {

const std::expected<std::string, int>& CallContext::string_arg(unsigned i) {
  auto& slot = strings_.at(i);
  if (!slot) {
    touched_target_ = read_memory_ = true;
    slot = read_target_string(pid(), arg(i));
  }
  return *slot;
}

const std::expected<ProcessInfo, int>& CallContext::process() {
  if (!process_) {
    touched_target_ = true;
    process_ = read_process_info(pid());
  }
  return *process_;
}

void CallContext::prefetch_for_event() {
  if (pid() == 0) return;  // outside our pid namespace: nothing to read
  process();
  const SyscallSignature* sig = find_syscall_signature(syscall_name_);
  if (sig == nullptr) return;
  for (unsigned i = 0; i < sig->arg_count; ++i)
    if ((sig->args[i] == ArgKind::Path || sig->args[i] == ArgKind::String) && arg(i) != 0) string_arg(i);
}

const std::string* CallContext::cached_string(unsigned i) const {
  const auto& slot = strings_.at(i);
  return (slot && slot->has_value()) ? &**slot : nullptr;
}

const ProcessInfo* CallContext::cached_process() const {
  return (process_ && process_->has_value()) ? &**process_ : nullptr;
}

}  // namespace tollgate
