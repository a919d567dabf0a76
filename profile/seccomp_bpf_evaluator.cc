#include "profile/seccomp_bpf_evaluator.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace tollgate {
namespace {

constexpr uint32_t kSeccompDataSize = sizeof(seccomp_data);
static_assert(kSeccompDataSize == 64, "seccomp_data is expected to be 64 bytes");
static_assert(BPF_MEMWORDS <= 16, "scratch validity is tracked in a 16-bit mask");

// Opcodes (the kernel compares the whole 16-bit code, so stray bits make an opcode unknown).
constexpr uint16_t op(uint32_t bits) { return static_cast<uint16_t>(bits); }
constexpr uint16_t kLdAbsW = op(BPF_LD | BPF_W | BPF_ABS);
constexpr uint16_t kLdLenW = op(BPF_LD | BPF_W | BPF_LEN);
constexpr uint16_t kLdxLenW = op(BPF_LDX | BPF_W | BPF_LEN);
constexpr uint16_t kLdImm = op(BPF_LD | BPF_IMM);
constexpr uint16_t kLdxImm = op(BPF_LDX | BPF_IMM);
constexpr uint16_t kLdMem = op(BPF_LD | BPF_MEM);
constexpr uint16_t kLdxMem = op(BPF_LDX | BPF_MEM);
constexpr uint16_t kSt = op(BPF_ST);
constexpr uint16_t kStx = op(BPF_STX);
constexpr uint16_t kRetK = op(BPF_RET | BPF_K);
constexpr uint16_t kRetA = op(BPF_RET | BPF_A);
constexpr uint16_t kTax = op(BPF_MISC | BPF_TAX);
constexpr uint16_t kTxa = op(BPF_MISC | BPF_TXA);
constexpr uint16_t kNeg = op(BPF_ALU | BPF_NEG);
constexpr uint16_t kJa = op(BPF_JMP | BPF_JA);

constexpr uint16_t alu(uint32_t o, uint32_t src) { return op(BPF_ALU | o | src); }
constexpr uint16_t jmp(uint32_t o, uint32_t src) { return op(BPF_JMP | o | src); }

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

std::unexpected<std::string> fail(size_t pc, const sock_filter& insn, std::string_view what) {
  std::string msg = "instruction ";
  msg += std::to_string(pc);
  msg += " (code ";
  msg += hex(insn.code);
  msg += ", k ";
  msg += hex(insn.k);
  msg += "): ";
  msg += what;
  return std::unexpected(std::move(msg));
}

bool is_conditional_jump(uint16_t code) {
  switch (code) {
    case jmp(BPF_JEQ, BPF_K):
    case jmp(BPF_JEQ, BPF_X):
    case jmp(BPF_JGT, BPF_K):
    case jmp(BPF_JGT, BPF_X):
    case jmp(BPF_JGE, BPF_K):
    case jmp(BPF_JGE, BPF_X):
    case jmp(BPF_JSET, BPF_K):
    case jmp(BPF_JSET, BPF_X):
      return true;
    default:
      return false;
  }
}

// Per-instruction checks: the union of what bpf_check_classic() and seccomp_check_filter() enforce.
std::expected<void, std::string> check_instruction(std::span<const sock_filter> prog, size_t pc) {
  const sock_filter& in = prog[pc];
  const size_t len = prog.size();
  switch (in.code) {
    case kLdAbsW:
      if (in.k >= kSeccompDataSize) {
        return fail(pc, in, "load at offset " + std::to_string(in.k) + " is outside seccomp_data (" +
                                std::to_string(kSeccompDataSize) + " bytes)");
      }
      if ((in.k & 3) != 0) {
        return fail(pc, in, "unaligned load at offset " + std::to_string(in.k) + " (must be a multiple of 4)");
      }
      return {};

    case kLdLenW:
    case kLdxLenW:
    case kLdImm:
    case kLdxImm:
    case kTax:
    case kTxa:
    case kNeg:
    case kRetK:
    case kRetA:
    case alu(BPF_ADD, BPF_K):
    case alu(BPF_ADD, BPF_X):
    case alu(BPF_SUB, BPF_K):
    case alu(BPF_SUB, BPF_X):
    case alu(BPF_MUL, BPF_K):
    case alu(BPF_MUL, BPF_X):
    case alu(BPF_DIV, BPF_X):
    case alu(BPF_AND, BPF_K):
    case alu(BPF_AND, BPF_X):
    case alu(BPF_OR, BPF_K):
    case alu(BPF_OR, BPF_X):
    case alu(BPF_XOR, BPF_K):
    case alu(BPF_XOR, BPF_X):
    case alu(BPF_LSH, BPF_X):
    case alu(BPF_RSH, BPF_X):
      return {};

    case alu(BPF_DIV, BPF_K):
      if (in.k == 0) return fail(pc, in, "division by zero (constant divisor)");
      return {};

    case alu(BPF_LSH, BPF_K):
    case alu(BPF_RSH, BPF_K):
      if (in.k >= 32) return fail(pc, in, "shift by " + std::to_string(in.k) + " (must be < 32)");
      return {};

    case alu(BPF_MOD, BPF_K):
    case alu(BPF_MOD, BPF_X):
      return fail(pc, in, "BPF_MOD is not allowed in seccomp filters (the kernel's seccomp checker rejects it)");

    case kLdMem:
    case kLdxMem:
    case kSt:
    case kStx:
      if (in.k >= BPF_MEMWORDS) {
        return fail(pc, in, "scratch memory index " + std::to_string(in.k) + " out of range (must be < " +
                                std::to_string(BPF_MEMWORDS) + ")");
      }
      return {};

    case kJa:
      // Offsets are relative to the next instruction; the target must be a real instruction.
      if (static_cast<uint64_t>(in.k) >= len - pc - 1) {
        return fail(pc, in, "jump target " + std::to_string(pc + 1 + static_cast<uint64_t>(in.k)) +
                                " is out of range (program has " + std::to_string(len) + " instructions)");
      }
      return {};

    default:
      break;
  }

  if (is_conditional_jump(in.code)) {
    if (pc + in.jt + 1 >= len) {
      return fail(pc, in, "jump-if-true target " + std::to_string(pc + in.jt + 1) + " is out of range (program has " +
                              std::to_string(len) + " instructions)");
    }
    if (pc + in.jf + 1 >= len) {
      return fail(pc, in, "jump-if-false target " + std::to_string(pc + in.jf + 1) + " is out of range (program has " +
                              std::to_string(len) + " instructions)");
    }
    return {};
  }
  return fail(pc, in, "unknown opcode or opcode not allowed in seccomp filters");
}

// Mirrors the kernel's check_load_and_stores(): a forward data-flow pass (jumps only go forward)
// proving that every scratch slot is stored on every path before it is loaded.
std::expected<void, std::string> check_scratch_use(std::span<const sock_filter> prog) {
  std::vector<uint16_t> masks(prog.size(), 0xffff);
  uint16_t valid = 0;
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    const sock_filter& in = prog[pc];
    valid &= masks[pc];
    if (in.code == kSt || in.code == kStx) {
      valid |= static_cast<uint16_t>(1u << in.k);
    } else if (in.code == kLdMem || in.code == kLdxMem) {
      if ((valid & (1u << in.k)) == 0) {
        return fail(pc, in,
                    "scratch memory M[" + std::to_string(in.k) + "] may be read before it is written");
      }
    } else if (in.code == kJa) {
      masks[pc + 1 + in.k] &= valid;
      valid = 0xffff;
    } else if (is_conditional_jump(in.code)) {
      masks[pc + 1 + in.jt] &= valid;
      masks[pc + 1 + in.jf] &= valid;
      valid = 0xffff;
    }
  }
  return {};
}

std::expected<void, std::string> check_program(std::span<const sock_filter> prog) {
  if (prog.empty()) return std::unexpected(std::string("empty program (the kernel rejects a zero-length filter)"));
  if (prog.size() > BPF_MAXINSNS) {
    return std::unexpected("program has " + std::to_string(prog.size()) + " instructions (maximum " +
                           std::to_string(BPF_MAXINSNS) + ")");
  }
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    if (auto r = check_instruction(prog, pc); !r) return r;
  }
  const size_t last = prog.size() - 1;
  if (prog[last].code != kRetK && prog[last].code != kRetA) {
    return fail(last, prog[last], "last instruction is not BPF_RET (execution could fall off the end)");
  }
  return check_scratch_use(prog);
}

}  // namespace

std::expected<uint32_t, std::string> evaluate_seccomp_bpf(std::span<const sock_filter> program,
                                                          const seccomp_data& data) {
  if (auto ok = check_program(program); !ok) return std::unexpected(std::move(ok.error()));

  uint32_t a = 0;
  uint32_t x = 0;
  std::array<uint32_t, BPF_MEMWORDS> mem{};
  uint16_t written = 0;
  const size_t len = program.size();
  size_t pc = 0;

  // The checks above guarantee every jump lands inside the program and moves forward, so the
  // loop terminates; the bounds checks below are defensive only.
  while (pc < len) {
    const sock_filter& in = program[pc];
    size_t next = pc + 1;
    switch (in.code) {
      case kLdAbsW:
        std::memcpy(&a, reinterpret_cast<const unsigned char*>(&data) + in.k, sizeof a);
        break;
      case kLdLenW: a = kSeccompDataSize; break;
      case kLdxLenW: x = kSeccompDataSize; break;
      case kLdImm: a = in.k; break;
      case kLdxImm: x = in.k; break;
      case kLdMem:
      case kLdxMem:
        if ((written & (1u << in.k)) == 0) {
          return fail(pc, in, "scratch memory M[" + std::to_string(in.k) + "] read before it was written");
        }
        (in.code == kLdMem ? a : x) = mem[in.k];
        break;
      case kSt:
      case kStx:
        mem[in.k] = in.code == kSt ? a : x;
        written |= static_cast<uint16_t>(1u << in.k);
        break;
      case kTax: x = a; break;
      case kTxa: a = x; break;
      case kNeg: a = 0u - a; break;
      case alu(BPF_ADD, BPF_K): a += in.k; break;
      case alu(BPF_ADD, BPF_X): a += x; break;
      case alu(BPF_SUB, BPF_K): a -= in.k; break;
      case alu(BPF_SUB, BPF_X): a -= x; break;
      case alu(BPF_MUL, BPF_K): a *= in.k; break;
      case alu(BPF_MUL, BPF_X): a *= x; break;
      case alu(BPF_DIV, BPF_K): a /= in.k; break;  // k != 0 checked above
      case alu(BPF_DIV, BPF_X):
        if (x == 0) {
          return fail(pc, in,
                      "division by zero (X == 0 at run time; the kernel would return 0, SECCOMP_RET_KILL_THREAD)");
        }
        a /= x;
        break;
      case alu(BPF_AND, BPF_K): a &= in.k; break;
      case alu(BPF_AND, BPF_X): a &= x; break;
      case alu(BPF_OR, BPF_K): a |= in.k; break;
      case alu(BPF_OR, BPF_X): a |= x; break;
      case alu(BPF_XOR, BPF_K): a ^= in.k; break;
      case alu(BPF_XOR, BPF_X): a ^= x; break;
      case alu(BPF_LSH, BPF_K): a <<= in.k; break;  // k < 32 checked above
      case alu(BPF_LSH, BPF_X): a <<= (x & 31u); break;
      case alu(BPF_RSH, BPF_K): a >>= in.k; break;
      case alu(BPF_RSH, BPF_X): a >>= (x & 31u); break;
      case kJa: next = pc + 1 + in.k; break;
      case jmp(BPF_JEQ, BPF_K): next = pc + 1 + (a == in.k ? in.jt : in.jf); break;
      case jmp(BPF_JEQ, BPF_X): next = pc + 1 + (a == x ? in.jt : in.jf); break;
      case jmp(BPF_JGT, BPF_K): next = pc + 1 + (a > in.k ? in.jt : in.jf); break;
      case jmp(BPF_JGT, BPF_X): next = pc + 1 + (a > x ? in.jt : in.jf); break;
      case jmp(BPF_JGE, BPF_K): next = pc + 1 + (a >= in.k ? in.jt : in.jf); break;
      case jmp(BPF_JGE, BPF_X): next = pc + 1 + (a >= x ? in.jt : in.jf); break;
      case jmp(BPF_JSET, BPF_K): next = pc + 1 + ((a & in.k) != 0 ? in.jt : in.jf); break;
      case jmp(BPF_JSET, BPF_X): next = pc + 1 + ((a & x) != 0 ? in.jt : in.jf); break;
      case kRetK: return in.k;
      case kRetA: return a;
      default: return fail(pc, in, "unknown opcode");  // unreachable after check_program
    }
    pc = next;
  }
  return std::unexpected("fell off the end of the program after instruction " + std::to_string(len - 1));
}

}  // namespace tollgate
