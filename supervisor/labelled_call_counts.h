// Answers per verdict for a label that takes many values over a daemon's life (a policy name, a container
// id), with the number of values bounded: the first kMaxLabels get a row each, every later one shares the
// row "other". Rows are chosen when a listener arrives (slot_for, which may allocate); counting an answer
// is one increment into storage sized up front.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/decision.h"

namespace tollgate {

class LabelledCallCounts {
 public:
  static constexpr size_t kMaxLabels = 32;
  static constexpr std::string_view kOtherLabel = "other";
  using Counts = std::array<uint64_t, kVerdictCount>;

  LabelledCallCounts();
  // The row for `label`: its own while fewer than kMaxLabels labels were seen, "other" after that (and for
  // a label spelt "other", which must not appear twice in an exposition).
  uint16_t slot_for(std::string_view label);
  void count(uint16_t slot, Verdict verdict) { ++counts_[slot][static_cast<size_t>(verdict)]; }
  // Adds another table's rows (another serving loop's), label by label.
  void merge(const LabelledCallCounts& other);
  // Every row that counted something, "other" last.
  void for_each(const std::function<void(std::string_view label, const Counts& counts)>& fn) const;

 private:
  static constexpr uint16_t kOtherSlot = kMaxLabels;
  std::vector<std::string> labels_;  // index = slot
  std::array<Counts, kMaxLabels + 1> counts_{};
};

}  // namespace tollgate
