// Whether a profile's or rule's argument condition holds for one argument value, with runtime-spec's meaning
// (MASKED_EQ: (arg & value) == valueTwo). Shared by the rule matcher and the profile judge so they cannot
// disagree with each other or with the compiled filter.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "tollgate/policy.h"

namespace tollgate {

inline bool condition_holds(const ArgCondition& c, uint64_t arg) {
  switch (c.op) {
    case ArgOp::NotEqual:
      return arg != c.value;
    case ArgOp::LessThan:
      return arg < c.value;
    case ArgOp::LessEqual:
      return arg <= c.value;
    case ArgOp::Equal:
      return arg == c.value;
    case ArgOp::GreaterEqual:
      return arg >= c.value;
    case ArgOp::GreaterThan:
      return arg > c.value;
    case ArgOp::MaskedEqual:
      return (arg & c.value) == c.value_two;
  }
  return false;
}

// Docker's profiles list several conditions on one argument index to mean "any of them" (runc adds one
// libseccomp rule per condition then); otherwise all conditions must hold together.
inline bool conditions_are_alternatives(const std::vector<ArgCondition>& args) {
  std::array<unsigned, 6> per_index{};
  for (const auto& c : args)
    if (c.index < per_index.size() && ++per_index[c.index] > 1) return true;
  return false;
}

}  // namespace tollgate
