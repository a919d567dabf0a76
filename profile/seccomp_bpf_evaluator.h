// A classic-BPF evaluator for seccomp filters: what a compiled filter returns for one seccomp_data, computed
// in user space. Explain and audit modes use it as ground truth ("what would profile P do with this call");
// lint uses it to find entries that never take effect; unit tests use it to check what a policy means.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <expected>
#include <span>
#include <string>

namespace tollgate {

// Runs a seccomp cBPF program over one seccomp_data the way the kernel does and returns the 32-bit
// action (e.g. SECCOMP_RET_ERRNO | 38).
//
// The program is first checked the way the kernel checks it when the filter is installed
// (bpf_check_classic + seccomp_check_filter + the scratch-memory data-flow check); anything the
// kernel would refuse with EINVAL is reported as an error, even if the path that evaluation takes
// would not reach the bad instruction. Notably BPF_ALU|BPF_MOD is rejected: the kernel's seccomp
// checker does not allow it.
//
// Errors (a message naming the instruction index): empty or over-long program, out-of-range
// jump, load outside seccomp_data or unaligned, scratch memory read before write (or an index
// >= BPF_MEMWORDS), division by a zero constant, shift by a constant >= 32, a last instruction
// that is not BPF_RET (falling off the end), unknown or non-seccomp opcode; and at run time,
// division by X == 0 (the kernel would silently return 0, i.e. SECCOMP_RET_KILL_THREAD).
//
// Run-time semantics follow the kernel: A, X and scratch start at 0; all arithmetic is unsigned
// 32-bit with wrap-around; shifts by X use only the low 5 bits of X; BPF_LEN loads yield
// sizeof(seccomp_data) == 64.
std::expected<uint32_t, std::string> evaluate_seccomp_bpf(std::span<const sock_filter> program,
                                                          const seccomp_data& data);

}  // namespace tollgate
