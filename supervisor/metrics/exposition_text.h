// Writes the Prometheus text exposition format (version 0.0.4, what `promtool check metrics` checks and
// every Prometheus scrapes): a HELP and TYPE line per family, then its samples, label values escaped.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace tollgate {

inline constexpr std::string_view kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

class ExpositionText {
 public:
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;
  enum class Type { Counter, Gauge, Histogram };

  // Starts a family. Counters' names end in _total; histograms' samples are NAME_bucket, _sum, _count.
  void family(std::string_view name, Type type, std::string_view help);
  // One sample: NAME{labels} value. `name` is the full sample name (e.g. with _bucket).
  void sample(std::string_view name, Labels labels, uint64_t value);
  void sample(std::string_view name, Labels labels, double value);
  // A whole histogram from non-cumulative bucket counts with bounds in nanoseconds, exposed in seconds.
  template <typename Bounds, typename Counts>
  void histogram(std::string_view name, Labels labels, const Bounds& bounds_ns, const Counts& counts,
                 uint64_t sum_ns);

  const std::string& text() const { return text_; }

 private:
  void write_name_and_labels(std::string_view name, Labels labels, std::string_view le = {});
  static std::string seconds_text(uint64_t ns);  // "2.5e-06"
  void histogram_bucket(std::string_view name, Labels labels, std::string_view le, uint64_t cumulative);
  std::string text_;
};

template <typename Bounds, typename Counts>
void ExpositionText::histogram(std::string_view name, Labels labels, const Bounds& bounds_ns,
                               const Counts& counts, uint64_t sum_ns) {
  const std::string bucket = std::string(name) + "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_ns.size(); ++i) {
    cumulative += counts[i];
    histogram_bucket(bucket, labels, seconds_text(bounds_ns[i]), cumulative);
  }
  cumulative += counts[bounds_ns.size()];
  histogram_bucket(bucket, labels, "+Inf", cumulative);
  sample(std::string(name) + "_sum", labels, static_cast<double>(sum_ns) / 1e9);
  sample(std::string(name) + "_count", labels, cumulative);
}

}  // namespace tollgate
