#include "supervisor/caller/call_formatter.h"

#include <cstdio>

#include "core/syscall_signatures.h"

namespace tollgate {

std::string format_call(const CallContext& call) {
  std::string out(call.syscall_name().empty() ? "syscall_" + std::to_string(call.notification().data.nr)
                                              : std::string(call.syscall_name()));
  out += '(';
  const SyscallSignature* sig = find_syscall_signature(call.syscall_name());
  const unsigned count = sig != nullptr ? sig->arg_count : 6;
  for (unsigned i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    const std::string* s = call.cached_string(i);
    if (sig == nullptr) {
      char hex[24];
      std::snprintf(hex, sizeof hex, "%#llx", static_cast<unsigned long long>(call.arg(i)));
      out += hex;
    } else if (s != nullptr) {
      out += quote_string(*s);
    } else {
      out += format_arg(sig->args[i], call.arg(i));
    }
  }
  out += ')';
  return out;
}

}  // namespace tollgate
