#include "supervisor/metrics/daemon_metrics.h"

#include <string_view>

#include "core/syscall_names.h"
#include "supervisor/metrics/exposition_text.h"
#include "supervisor/supervisor.h"

namespace tollgate {
namespace {

using Type = ExpositionText::Type;

void calls_by_syscall(ExpositionText& out, const DecisionStats& stats) {
  out.family("tollgate_calls_total", Type::Counter, "Notified calls answered, by syscall and verdict.");
  const auto& rows = stats.by_syscall();
  for (size_t nr = 0; nr < rows.size(); ++nr) {
    std::string name;  // only for rows that counted something
    for (Verdict v : kAllVerdicts) {
      const uint64_t n = rows[nr][static_cast<size_t>(v)];
      if (n == 0) continue;
      if (name.empty()) {
        name = native_syscall_name(static_cast<int>(nr));
        if (name.empty()) name = nr + 1 == rows.size() ? "other" : "syscall_" + std::to_string(nr);
      }
      out.sample("tollgate_calls_total", {{"syscall", name}, {"verdict", to_string(v)}}, n);
    }
  }
}

void calls_by_label(ExpositionText& out, std::string_view family, std::string_view label,
                    std::string_view help, const LabelledCallCounts& counts) {
  out.family(family, Type::Counter, help);
  counts.for_each([&](std::string_view value, const LabelledCallCounts::Counts& c) {
    for (Verdict v : kAllVerdicts)
      if (uint64_t n = c[static_cast<size_t>(v)]; n != 0)
        out.sample(family, {{label, value}, {"verdict", to_string(v)}}, n);
  });
}

void latency(ExpositionText& out, std::string_view family, std::string_view help, const LatencyHistogram& h) {
  out.family(family, Type::Histogram, help);
  out.histogram(family, {}, LatencyHistogram::kBoundsNs, h.counts(), h.sum_ns());
}

void counter(ExpositionText& out, std::string_view name, std::string_view help, uint64_t value) {
  out.family(name, Type::Counter, help);
  out.sample(name, {}, value);
}

void gauge(ExpositionText& out, std::string_view name, std::string_view help, uint64_t value) {
  out.family(name, Type::Gauge, help);
  out.sample(name, {}, value);
}

}  // namespace

std::string DaemonMetrics::exposition() const {
  ExpositionText out;
  const SupervisorStats s = supervisor_.stats();
  const DecisionStats d = supervisor_.decision_stats();
  calls_by_syscall(out, d);
  calls_by_label(
      out, "tollgate_calls_by_policy_total", "policy",
      "Notified calls answered, by the target's policy and verdict (at most 32 policies, then \"other\").",
      d.by_policy());
  calls_by_label(out, "tollgate_calls_by_container_total", "container",
                 "Notified calls of containers' processes answered, by container id and verdict (at most 32 "
                 "containers, then \"other\").",
                 d.by_container());
  counter(out, "tollgate_notifications_total", "Notifications received from the kernel.", s.notifications);
  counter(out, "tollgate_targets_gone_total", "Calls whose caller left before the answer.", s.targets_gone);
  counter(out, "tollgate_answer_errors_total", "Answers the kernel refused for another reason.", s.errors);
  latency(out, "tollgate_answer_latency_seconds",
          "From receiving a notification to answering it, every verdict.", d.answer_latency());
  latency(out, "tollgate_emulation_latency_seconds",
          "From receiving a notification to answering it, for emulated calls (the handler's work included).",
          d.emulation_latency());
  gauge(out, "tollgate_unanswered_calls", "Calls received and not answered yet (being emulated, or held for a person).",
        s.unanswered);
  if (held_calls_)
    gauge(out, "tollgate_held_calls", "Calls held by \"ask\" rules, waiting for a person now.",
          held_calls_());
  gauge(out, "tollgate_listeners", "Seccomp listeners served now.", supervisor_.listener_count());
  counter(out, "tollgate_listeners_opened_total", "Seccomp listeners taken over.", s.listeners_opened);
  counter(out, "tollgate_listeners_closed_total", "Seccomp listeners closed (their targets gone).",
          s.listeners_closed);
  if (handovers_) {
    const HandoverCounts h = handovers_();
    out.family(
        "tollgate_handovers_total", Type::Counter,
        "Handover connections (agents and OCI runtimes), by result: accepted, or refused with an error.");
    out.sample("tollgate_handovers_total", {{"result", "accepted"}}, h.accepted);
    out.sample("tollgate_handovers_total", {{"result", "refused"}}, h.refused);
  }
  return out.text();
}

}  // namespace tollgate
