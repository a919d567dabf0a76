#include "supervisor/labelled_call_counts.h"

#include <algorithm>

namespace tollgate {

LabelledCallCounts::LabelledCallCounts() {
  labels_.reserve(kMaxLabels);
}

uint16_t LabelledCallCounts::slot_for(std::string_view label) {
  if (label == kOtherLabel) return kOtherSlot;
  auto it = std::find(labels_.begin(), labels_.end(), label);
  if (it != labels_.end()) return static_cast<uint16_t>(it - labels_.begin());
  if (labels_.size() == kMaxLabels) return kOtherSlot;
  labels_.emplace_back(label);
  return static_cast<uint16_t>(labels_.size() - 1);
}

void LabelledCallCounts::merge(const LabelledCallCounts& other) {
  other.for_each([&](std::string_view label, const Counts& counts) {
    Counts& mine = counts_[slot_for(label)];
    for (size_t v = 0; v < mine.size(); ++v) mine[v] += counts[v];
  });
}

void LabelledCallCounts::for_each(const std::function<void(std::string_view, const Counts&)>& fn) const {
  auto counted = [](const Counts& c) {
    return std::any_of(c.begin(), c.end(), [](uint64_t n) { return n != 0; });
  };
  for (size_t slot = 0; slot < labels_.size(); ++slot)
    if (counted(counts_[slot])) fn(labels_[slot], counts_[slot]);
  if (counted(counts_[kOtherSlot])) fn(kOtherLabel, counts_[kOtherSlot]);
}

}  // namespace tollgate
