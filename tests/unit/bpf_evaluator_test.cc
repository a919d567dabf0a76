#include "tests/support/bpf_evaluator.h"

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <sys/syscall.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tollgate::testing {
namespace {

using Program = std::vector<sock_filter>;

constexpr uint32_t kArch = AUDIT_ARCH_X86_64;
constexpr uint32_t kNrOffset = offsetof(seccomp_data, nr);
constexpr uint32_t kArchOffset = offsetof(seccomp_data, arch);
constexpr uint32_t kArgsOffset = offsetof(seccomp_data, args);

constexpr sock_filter stmt(uint32_t code, uint32_t k) { return sock_filter{static_cast<uint16_t>(code), 0, 0, k}; }
constexpr sock_filter jump(uint32_t code, uint32_t k, uint8_t jt, uint8_t jf) {
  return sock_filter{static_cast<uint16_t>(code), jt, jf, k};
}
constexpr sock_filter ret(uint32_t action) { return stmt(BPF_RET | BPF_K, action); }

constexpr uint32_t arg_lo(int i) { return kArgsOffset + 8 * static_cast<uint32_t>(i); }
constexpr uint32_t arg_hi(int i) { return arg_lo(i) + 4; }

seccomp_data any_data() { return make_seccomp_data(kArch, 0); }

// Evaluates and requires success; reports the error message on failure.
#define EXPECT_EVAL(program, data, expected)                           \
  do {                                                                 \
    const auto evaluated_ = evaluate_seccomp_bpf((program), (data));   \
    ASSERT_TRUE(evaluated_.has_value()) << evaluated_.error();         \
    EXPECT_EQ(*evaluated_, static_cast<uint32_t>(expected));           \
  } while (0)

// Requires an error whose message names the given instruction index.
void expect_error_at(const Program& program, size_t index, const seccomp_data& data = any_data()) {
  const auto r = evaluate_seccomp_bpf(program, data);
  ASSERT_FALSE(r.has_value()) << "unexpectedly returned " << std::hex << *r;
  const std::string needle = "instruction " + std::to_string(index) + " ";
  EXPECT_NE(r.error().find(needle), std::string::npos) << "error was: " << r.error();
}

void expect_error(const Program& program, const seccomp_data& data = any_data()) {
  const auto r = evaluate_seccomp_bpf(program, data);
  ASSERT_FALSE(r.has_value()) << "unexpectedly returned " << std::hex << *r;
  EXPECT_FALSE(r.error().empty());
}

// ---------------------------------------------------------------------------------------------
// make_seccomp_data

TEST(MakeSeccompData, FillsFields) {
  const seccomp_data d = make_seccomp_data(kArch, 39, {1, 2, 0xffffffff00000003ull});
  EXPECT_EQ(d.arch, kArch);
  EXPECT_EQ(d.nr, 39);
  EXPECT_EQ(d.instruction_pointer, 0u);
  EXPECT_EQ(d.args[0], 1u);
  EXPECT_EQ(d.args[1], 2u);
  EXPECT_EQ(d.args[2], 0xffffffff00000003ull);
  EXPECT_EQ(d.args[3], 0u);
  EXPECT_EQ(d.args[5], 0u);
}

TEST(MakeSeccompData, RejectsTooManyArgs) {
  EXPECT_THROW(make_seccomp_data(kArch, 0, {1, 2, 3, 4, 5, 6, 7}), std::invalid_argument);
  EXPECT_NO_THROW(make_seccomp_data(kArch, 0, {1, 2, 3, 4, 5, 6}));
}

// ---------------------------------------------------------------------------------------------
// Valid programs

TEST(BpfEvaluator, AllowDenyByNrWithArchCheck) {
  const Program p = {
      stmt(BPF_LD | BPF_W | BPF_ABS, kArchOffset),
      jump(BPF_JMP | BPF_JEQ | BPF_K, kArch, 1, 0),
      ret(SECCOMP_RET_KILL_PROCESS),
      stmt(BPF_LD | BPF_W | BPF_ABS, kNrOffset),
      jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
      ret(SECCOMP_RET_ALLOW),
      ret(SECCOMP_RET_ERRNO | 1),
  };
  EXPECT_EVAL(p, make_seccomp_data(kArch, SYS_getpid), SECCOMP_RET_ALLOW);
  EXPECT_EVAL(p, make_seccomp_data(kArch, SYS_getppid), SECCOMP_RET_ERRNO | 1);
  EXPECT_EVAL(p, make_seccomp_data(AUDIT_ARCH_I386, SYS_getpid), SECCOMP_RET_KILL_PROCESS);
}

TEST(BpfEvaluator, LoadsEveryFieldInHostLayout) {
  seccomp_data d = make_seccomp_data(kArch, 7, {0x1111111122222222ull, 0, 0, 0, 0, 0xaaaaaaaabbbbbbbbull});
  d.instruction_pointer = 0x0123456789abcdefull;
  auto load = [](uint32_t offset) { return Program{stmt(BPF_LD | BPF_W | BPF_ABS, offset), stmt(BPF_RET | BPF_A, 0)}; };
  EXPECT_EVAL(load(kNrOffset), d, 7);
  EXPECT_EVAL(load(kArchOffset), d, kArch);
  EXPECT_EVAL(load(offsetof(seccomp_data, instruction_pointer)), d, 0x89abcdefu);
  EXPECT_EVAL(load(offsetof(seccomp_data, instruction_pointer) + 4), d, 0x01234567u);
  EXPECT_EVAL(load(arg_lo(0)), d, 0x22222222u);
  EXPECT_EVAL(load(arg_hi(0)), d, 0x11111111u);
  EXPECT_EVAL(load(arg_lo(5)), d, 0xbbbbbbbbu);
  EXPECT_EVAL(load(arg_hi(5)), d, 0xaaaaaaaau);  // offset 60: the last valid load
  static_assert(arg_hi(5) == 60);
}

TEST(BpfEvaluator, JsetOnArgument) {
  // ERRNO(13) if args[1] has bit 1 set (low word only), else ALLOW.
  const Program p = {
      stmt(BPF_LD | BPF_W | BPF_ABS, arg_lo(1)),
      jump(BPF_JMP | BPF_JSET | BPF_K, 0x2, 0, 1),
      ret(SECCOMP_RET_ERRNO | 13),
      ret(SECCOMP_RET_ALLOW),
  };
  EXPECT_EVAL(p, make_seccomp_data(kArch, 0, {0, 0x3}), SECCOMP_RET_ERRNO | 13);
  EXPECT_EVAL(p, make_seccomp_data(kArch, 0, {0, 0x2}), SECCOMP_RET_ERRNO | 13);
  EXPECT_EVAL(p, make_seccomp_data(kArch, 0, {0, 0x1}), SECCOMP_RET_ALLOW);
  EXPECT_EVAL(p, make_seccomp_data(kArch, 0, {0x2, 0x2ull << 32}), SECCOMP_RET_ALLOW);
}

TEST(BpfEvaluator, ReturnA) {
  const Program p = {
      stmt(BPF_LD | BPF_W | BPF_ABS, kNrOffset),
      stmt(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO),
      stmt(BPF_RET | BPF_A, 0),
  };
  EXPECT_EVAL(p, make_seccomp_data(kArch, 38), SECCOMP_RET_ERRNO | 38);
  EXPECT_EVAL((Program{stmt(BPF_LD | BPF_IMM, SECCOMP_RET_USER_NOTIF), stmt(BPF_RET | BPF_A, 0)}), any_data(),
              SECCOMP_RET_USER_NOTIF);
}

TEST(BpfEvaluator, RegistersStartAtZero) {
  EXPECT_EVAL((Program{stmt(BPF_RET | BPF_A, 0)}), make_seccomp_data(kArch, 5), 0);
  EXPECT_EVAL((Program{stmt(BPF_MISC | BPF_TXA, 0), stmt(BPF_RET | BPF_A, 0)}), make_seccomp_data(kArch, 5), 0);
}

TEST(BpfEvaluator, LenIsSizeofSeccompData) {
  EXPECT_EVAL((Program{stmt(BPF_LD | BPF_W | BPF_LEN, 0), stmt(BPF_RET | BPF_A, 0)}), any_data(), 64);
  EXPECT_EVAL((Program{stmt(BPF_LDX | BPF_W | BPF_LEN, 0), stmt(BPF_MISC | BPF_TXA, 0), stmt(BPF_RET | BPF_A, 0)}),
              any_data(), 64);
}

struct AluCase {
  const char* name;
  uint32_t op;
  uint32_t a;
  uint32_t operand;
  uint32_t expected;
};

TEST(BpfEvaluator, AluOperationsWithKAndX) {
  const AluCase cases[] = {
      {"add", BPF_ADD, 40, 2, 42},
      {"add wraps", BPF_ADD, 0xffffffffu, 2, 1},
      {"sub", BPF_SUB, 50, 8, 42},
      {"sub wraps", BPF_SUB, 0, 1, 0xffffffffu},
      {"mul", BPF_MUL, 6, 7, 42},
      {"mul wraps", BPF_MUL, 0x80000000u, 2, 0},
      {"div", BPF_DIV, 85, 2, 42},
      {"div unsigned", BPF_DIV, 0xfffffffeu, 2, 0x7fffffffu},
      {"or", BPF_OR, 0x40, 0x2, 0x42},
      {"and", BPF_AND, 0xff, 0x2a, 0x2a},
      {"xor", BPF_XOR, 0xff, 0xd5, 0x2a},
      {"lsh", BPF_LSH, 21, 1, 42},
      {"lsh drops high bits", BPF_LSH, 0x80000001u, 1, 2},
      {"rsh logical", BPF_RSH, 0x80000000u, 31, 1},
  };
  for (const AluCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Program with_k = {
        stmt(BPF_LD | BPF_IMM, c.a),
        stmt(BPF_ALU | c.op | BPF_K, c.operand),
        stmt(BPF_RET | BPF_A, 0),
    };
    EXPECT_EVAL(with_k, any_data(), c.expected);
    const Program with_x = {
        stmt(BPF_LD | BPF_IMM, c.a),
        stmt(BPF_LDX | BPF_IMM, c.operand),
        stmt(BPF_ALU | c.op | BPF_X, 0),
        stmt(BPF_RET | BPF_A, 0),
    };
    EXPECT_EVAL(with_x, any_data(), c.expected);
  }
}

TEST(BpfEvaluator, NegTaxTxa) {
  EXPECT_EVAL((Program{stmt(BPF_LD | BPF_IMM, 5), stmt(BPF_ALU | BPF_NEG, 0), stmt(BPF_RET | BPF_A, 0)}), any_data(),
              0xfffffffbu);
  EXPECT_EVAL((Program{stmt(BPF_LD | BPF_IMM, 0), stmt(BPF_ALU | BPF_NEG, 0), stmt(BPF_RET | BPF_A, 0)}), any_data(),
              0);
  // A = 9; X = A; A = 1; A += X; return A  -> 10
  EXPECT_EVAL((Program{stmt(BPF_LD | BPF_IMM, 9), stmt(BPF_MISC | BPF_TAX, 0), stmt(BPF_LD | BPF_IMM, 1),
                       stmt(BPF_ALU | BPF_ADD | BPF_X, 0), stmt(BPF_RET | BPF_A, 0)}),
              any_data(), 10);
  // X = 7; A = X; return A
  EXPECT_EVAL((Program{stmt(BPF_LDX | BPF_IMM, 7), stmt(BPF_MISC | BPF_TXA, 0), stmt(BPF_RET | BPF_A, 0)}), any_data(),
              7);
}

TEST(BpfEvaluator, ShiftByXUsesLowFiveBitsLikeTheKernel) {
  auto shift = [](uint32_t op, uint32_t a, uint32_t x) {
    return Program{stmt(BPF_LD | BPF_IMM, a), stmt(BPF_LDX | BPF_IMM, x), stmt(BPF_ALU | op | BPF_X, 0),
                   stmt(BPF_RET | BPF_A, 0)};
  };
  EXPECT_EVAL(shift(BPF_LSH, 1, 32), any_data(), 1);
  EXPECT_EVAL(shift(BPF_LSH, 1, 33), any_data(), 2);
  EXPECT_EVAL(shift(BPF_RSH, 0x80, 35), any_data(), 0x10);
}

struct JumpCase {
  const char* name;
  uint32_t op;
  uint32_t a;
  uint32_t operand;
  bool taken;
};

TEST(BpfEvaluator, ConditionalJumpsWithKAndX) {
  const JumpCase cases[] = {
      {"jeq true", BPF_JEQ, 5, 5, true},
      {"jeq false", BPF_JEQ, 5, 6, false},
      {"jgt true", BPF_JGT, 6, 5, true},
      {"jgt equal", BPF_JGT, 5, 5, false},
      {"jgt unsigned", BPF_JGT, 0xffffffffu, 1, true},
      {"jge equal", BPF_JGE, 5, 5, true},
      {"jge false", BPF_JGE, 4, 5, false},
      {"jge unsigned", BPF_JGE, 1, 0x80000000u, false},
      {"jset true", BPF_JSET, 0x6, 0x4, true},
      {"jset false", BPF_JSET, 0x6, 0x9, false},
  };
  constexpr uint32_t kTrue = SECCOMP_RET_ALLOW;
  constexpr uint32_t kFalse = SECCOMP_RET_ERRNO | 1;
  for (const JumpCase& c : cases) {
    SCOPED_TRACE(c.name);
    const uint32_t want = c.taken ? kTrue : kFalse;
    const Program with_k = {
        stmt(BPF_LD | BPF_IMM, c.a),
        jump(BPF_JMP | c.op | BPF_K, c.operand, 1, 0),
        ret(kFalse),
        ret(kTrue),
    };
    EXPECT_EVAL(with_k, any_data(), want);
    const Program with_x = {
        stmt(BPF_LD | BPF_IMM, c.a),
        stmt(BPF_LDX | BPF_IMM, c.operand),
        jump(BPF_JMP | c.op | BPF_X, 0, 1, 0),
        ret(kFalse),
        ret(kTrue),
    };
    EXPECT_EVAL(with_x, any_data(), want);
  }
}

TEST(BpfEvaluator, UnconditionalJump) {
  const Program p = {
      jump(BPF_JMP | BPF_JA, 2, 0, 0),
      ret(SECCOMP_RET_KILL_PROCESS),
      ret(SECCOMP_RET_TRAP),
      ret(SECCOMP_RET_LOG),
  };
  EXPECT_EVAL(p, any_data(), SECCOMP_RET_LOG);
  EXPECT_EVAL((Program{jump(BPF_JMP | BPF_JA, 0, 0, 0), ret(SECCOMP_RET_ALLOW)}), any_data(), SECCOMP_RET_ALLOW);
}

TEST(BpfEvaluator, ScratchMemory) {
  // M[0] = nr; M[15] = 3; A = M[0] * M[15] (via X); return A.
  const Program p = {
      stmt(BPF_LD | BPF_W | BPF_ABS, kNrOffset),
      stmt(BPF_ST, 0),
      stmt(BPF_LDX | BPF_IMM, 3),
      stmt(BPF_STX, 15),
      stmt(BPF_LD | BPF_IMM, 0),
      stmt(BPF_LDX | BPF_IMM, 0),
      stmt(BPF_LDX | BPF_MEM, 15),
      stmt(BPF_LD | BPF_MEM, 0),
      stmt(BPF_ALU | BPF_MUL | BPF_X, 0),
      stmt(BPF_RET | BPF_A, 0),
  };
  EXPECT_EVAL(p, make_seccomp_data(kArch, 14), 42);
}

TEST(BpfEvaluator, ScratchStoredOnEveryPathIsReadable) {
  // Both branches store M[2] before joining, so the kernel accepts the load.
  const Program p = {
      stmt(BPF_LD | BPF_W | BPF_ABS, kNrOffset),
      jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 3),
      stmt(BPF_LD | BPF_IMM, 100),
      stmt(BPF_ST, 2),
      jump(BPF_JMP | BPF_JA, 2, 0, 0),
      stmt(BPF_LD | BPF_IMM, 200),
      stmt(BPF_ST, 2),
      stmt(BPF_LD | BPF_MEM, 2),
      stmt(BPF_RET | BPF_A, 0),
  };
  EXPECT_EVAL(p, make_seccomp_data(kArch, 1), 100);
  EXPECT_EVAL(p, make_seccomp_data(kArch, 2), 200);
}

TEST(BpfEvaluator, MaximumLengthProgramIsAccepted) {
  Program p(BPF_MAXINSNS, stmt(BPF_ALU | BPF_ADD | BPF_K, 1));
  p.back() = stmt(BPF_RET | BPF_A, 0);
  EXPECT_EVAL(p, any_data(), BPF_MAXINSNS - 1);
}

// ---------------------------------------------------------------------------------------------
// Programs the kernel would reject, or that misbehave at run time

TEST(BpfEvaluatorErrors, EmptyProgram) { expect_error(Program{}); }

TEST(BpfEvaluatorErrors, TooLong) {
  Program p(BPF_MAXINSNS + 1, ret(SECCOMP_RET_ALLOW));
  expect_error(p);
}

TEST(BpfEvaluatorErrors, OutOfRangeJumps) {
  expect_error_at({jump(BPF_JMP | BPF_JA, 1, 0, 0), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({ret(SECCOMP_RET_ALLOW), jump(BPF_JMP | BPF_JA, 0xffffffffu, 0, 0), ret(SECCOMP_RET_ALLOW)}, 1);
  expect_error_at({jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({jump(BPF_JMP | BPF_JGT | BPF_X, 0, 255, 0), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({ret(SECCOMP_RET_ALLOW), jump(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1), ret(SECCOMP_RET_ALLOW)}, 1);
}

TEST(BpfEvaluatorErrors, LoadOutsideSeccompData) {
  expect_error_at({stmt(BPF_LD | BPF_W | BPF_ABS, 64), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({stmt(BPF_LD | BPF_W | BPF_ABS, 0xfffffffcu), ret(SECCOMP_RET_ALLOW)}, 0);
}

TEST(BpfEvaluatorErrors, UnalignedLoad) {
  expect_error_at({stmt(BPF_LD | BPF_W | BPF_ABS, 2), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({stmt(BPF_LD | BPF_W | BPF_ABS, 61), ret(SECCOMP_RET_ALLOW)}, 0);
}

TEST(BpfEvaluatorErrors, NonSeccompLoadModes) {
  expect_error_at({stmt(BPF_LD | BPF_H | BPF_ABS, 0), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({stmt(BPF_LD | BPF_B | BPF_ABS, 0), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({stmt(BPF_LD | BPF_W | BPF_IND, 0), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({stmt(BPF_LDX | BPF_B | BPF_MSH, 0), ret(SECCOMP_RET_ALLOW)}, 0);
}

TEST(BpfEvaluatorErrors, ScratchReadBeforeWrite) {
  expect_error_at({stmt(BPF_LD | BPF_MEM, 0), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({stmt(BPF_ST, 1), stmt(BPF_LDX | BPF_MEM, 0), ret(SECCOMP_RET_ALLOW)}, 1);
  // Stored on only one path: rejected even when evaluation would take the storing path.
  const Program one_path = {
      stmt(BPF_LD | BPF_W | BPF_ABS, kNrOffset),
      jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
      stmt(BPF_ST, 0),
      stmt(BPF_LD | BPF_MEM, 0),
      stmt(BPF_RET | BPF_A, 0),
  };
  expect_error_at(one_path, 3, make_seccomp_data(kArch, 1));
  expect_error_at(one_path, 3, make_seccomp_data(kArch, 2));
}

TEST(BpfEvaluatorErrors, ScratchIndexOutOfRange) {
  expect_error_at({stmt(BPF_ST, BPF_MEMWORDS), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({stmt(BPF_STX, 0), stmt(BPF_LDX | BPF_MEM, BPF_MEMWORDS), ret(SECCOMP_RET_ALLOW)}, 1);
}

TEST(BpfEvaluatorErrors, DivisionByZero) {
  // Constant divisor: rejected by the checker, even on an unreached path.
  expect_error_at({stmt(BPF_ALU | BPF_DIV | BPF_K, 0), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({ret(SECCOMP_RET_ALLOW), stmt(BPF_ALU | BPF_DIV | BPF_K, 0), ret(SECCOMP_RET_ALLOW)}, 1);
  // X == 0 at run time.
  const Program by_x = {
      stmt(BPF_LD | BPF_IMM, 10),
      stmt(BPF_LDX | BPF_IMM, 0),
      stmt(BPF_ALU | BPF_DIV | BPF_X, 0),
      stmt(BPF_RET | BPF_A, 0),
  };
  expect_error_at(by_x, 2);
  // X loaded from data: only an error when it really is zero.
  const Program by_arg = {
      stmt(BPF_LD | BPF_W | BPF_ABS, arg_lo(0)),
      stmt(BPF_MISC | BPF_TAX, 0),
      stmt(BPF_LD | BPF_IMM, 84),
      stmt(BPF_ALU | BPF_DIV | BPF_X, 0),
      stmt(BPF_RET | BPF_A, 0),
  };
  EXPECT_EVAL(by_arg, make_seccomp_data(kArch, 0, {2}), 42);
  expect_error_at(by_arg, 3, make_seccomp_data(kArch, 0, {0}));
}

TEST(BpfEvaluatorErrors, ShiftByConstantOf32OrMore) {
  expect_error_at({stmt(BPF_ALU | BPF_LSH | BPF_K, 32), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({stmt(BPF_ALU | BPF_RSH | BPF_K, 100), ret(SECCOMP_RET_ALLOW)}, 0);
}

TEST(BpfEvaluatorErrors, FallingOffTheEnd) {
  expect_error_at({stmt(BPF_LD | BPF_IMM, 0)}, 0);
  // The last instruction must be a return even if no path reaches it.
  expect_error_at({ret(SECCOMP_RET_ALLOW), stmt(BPF_LD | BPF_IMM, 0)}, 1);
  expect_error_at({stmt(BPF_LD | BPF_IMM, 0), jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0)}, 1);
}

TEST(BpfEvaluatorErrors, UnknownOrDisallowedOpcodes) {
  expect_error_at({stmt(0xff, 0), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({stmt(BPF_RET | BPF_X, 0)}, 0);
  expect_error_at({stmt(BPF_ALU | BPF_NEG | BPF_X, 0), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({stmt(BPF_MISC | BPF_TAX | 0x08, 0), ret(SECCOMP_RET_ALLOW)}, 0);
  expect_error_at({stmt(BPF_JMP | BPF_JA | BPF_X, 0), ret(SECCOMP_RET_ALLOW)}, 0);
  // The kernel's seccomp checker does not allow BPF_MOD (verified: EINVAL on Linux 6.x).
  expect_error_at({stmt(BPF_LD | BPF_IMM, 7), stmt(BPF_ALU | BPF_MOD | BPF_K, 3), ret(SECCOMP_RET_ALLOW)}, 1);
  expect_error_at({stmt(BPF_LDX | BPF_IMM, 3), stmt(BPF_ALU | BPF_MOD | BPF_X, 0), ret(SECCOMP_RET_ALLOW)}, 1);
}

TEST(BpfEvaluatorErrors, RejectedEvenWhenUnreached) {
  expect_error_at({ret(SECCOMP_RET_ALLOW), stmt(BPF_LD | BPF_W | BPF_ABS, 64), ret(SECCOMP_RET_ALLOW)}, 1);
}

// ---------------------------------------------------------------------------------------------
// libseccomp round trip

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

TEST(BpfEvaluatorLibseccomp, RoundTrip) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "syscall numbers and AUDIT_ARCH_X86_64 assume an x86_64 host";
#else
  Ctx ctx(seccomp_init(SCMP_ACT_ERRNO(38)));
  ASSERT_NE(ctx, nullptr);
  ASSERT_EQ(seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(getpid), 0), 0);
  const scmp_arg_cmp a0_eq_8{.arg = 0, .op = SCMP_CMP_EQ, .datum_a = 8, .datum_b = 0};
  ASSERT_EQ(seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(personality), 1, a0_eq_8), 0);
  ASSERT_EQ(seccomp_rule_add(ctx.get(), SCMP_ACT_NOTIFY, SCMP_SYS(mount), 0), 0);

  const auto exported = export_libseccomp_bpf(ctx.get());
  ASSERT_TRUE(exported.has_value()) << exported.error();
  ASSERT_FALSE(exported->empty());
  const Program& p = *exported;

  EXPECT_EVAL(p, make_seccomp_data(AUDIT_ARCH_X86_64, SYS_getpid), SECCOMP_RET_ALLOW);
  EXPECT_EVAL(p, make_seccomp_data(AUDIT_ARCH_X86_64, SYS_personality, {8}), SECCOMP_RET_ALLOW);
  EXPECT_EVAL(p, make_seccomp_data(AUDIT_ARCH_X86_64, SYS_personality, {9}), SECCOMP_RET_ERRNO | 38);
  // SCMP_CMP_EQ compares all 64 bits.
  EXPECT_EVAL(p, make_seccomp_data(AUDIT_ARCH_X86_64, SYS_personality, {8 | (1ull << 32)}), SECCOMP_RET_ERRNO | 38);
  EXPECT_EVAL(p, make_seccomp_data(AUDIT_ARCH_X86_64, SYS_mount), SECCOMP_RET_USER_NOTIF);
  EXPECT_EVAL(p, make_seccomp_data(AUDIT_ARCH_X86_64, SYS_getppid), SECCOMP_RET_ERRNO | 38);

  // Foreign architecture: libseccomp 2.5.4's default bad-arch action is SCMP_ACT_KILL_THREAD,
  // which is SECCOMP_RET_KILL_THREAD (0).
  uint32_t badarch = 0xdeadbeef;
  ASSERT_EQ(seccomp_attr_get(ctx.get(), SCMP_FLTATR_ACT_BADARCH, &badarch), 0);
  EXPECT_EQ(badarch, SECCOMP_RET_KILL_THREAD);
  constexpr int kI386Getpid = 20;
  EXPECT_EVAL(p, make_seccomp_data(AUDIT_ARCH_I386, kI386Getpid), SECCOMP_RET_KILL_THREAD);
  EXPECT_EVAL(p, make_seccomp_data(AUDIT_ARCH_I386, SYS_getpid), SECCOMP_RET_KILL_THREAD);
#endif
}

TEST(BpfEvaluatorLibseccomp, NullContextIsAnError) {
  const auto exported = export_libseccomp_bpf(nullptr);
  ASSERT_FALSE(exported.has_value());
  EXPECT_FALSE(exported.error().empty());
}

}  // namespace
}  // namespace tollgate::testing
