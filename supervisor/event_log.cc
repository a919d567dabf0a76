#include "supervisor/event_log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/errno_names.h"
#include "supervisor/caller/call_formatter.h"

namespace tollgate {
namespace {

std::string iso_time_now() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = time_point_cast<seconds>(now);
  auto micros = duration_cast<microseconds>(now - secs).count();
  std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(micros));
  return buf;
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string who(const CallContext& call, const TargetInfo& target) {
  const ProcessInfo* p = call.cached_process();
  std::string in_container = target.container ? " in container " + target.container->container().id : "";
  return (p != nullptr ? p->comm : std::string("?")) + "[" + std::to_string(call.pid()) + "]" + in_container;
}

std::string why(const Decision& d, const TargetInfo& target) {
  std::string s = "policy " + target.policy_name + ": ";
  if (d.rule != nullptr) {
    s += "rule \"" + d.rule->name + "\"";
    if (!d.reason.empty()) s += ", " + std::string(d.reason);
  } else {
    s += d.reason.empty() ? std::string("no rule matched") : std::string(d.reason);
  }
  return s;
}

}  // namespace

std::string describe_outcome(const Decision& d) {
  switch (d.verdict) {
    case Verdict::Continue: return "allowed";
    case Verdict::Errno: return errno_name(d.error);
    case Verdict::Value: return "= " + std::to_string(d.value);
    case Verdict::Emulate: return "emulated";
    case Verdict::Ask: return "held";
    case Verdict::Kill: return "killed";
    case Verdict::Trap: return "trapped";
  }
  return "?";
}

EventLog::EventLog(bool human_lines, const std::optional<std::string>& json_path) : human_lines_(human_lines) {
  if (json_path) {
    try {
      auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(*json_path, /*truncate=*/false);
      json_ = std::make_shared<spdlog::logger>("events", sink);
      json_->set_pattern("%v");
      json_->flush_on(spdlog::level::info);
    } catch (const spdlog::spdlog_ex& e) {
      throw std::runtime_error("--events " + *json_path + ": " + e.what());
    }
  }
}

EventLog::~EventLog() { flush(); }

void EventLog::flush() {
  if (json_) json_->flush();
}

void EventLog::record(const DecisionEvent& e) {
  const Decision& d = e.decision;
  const CallContext& call = e.call;
  const std::string rendered = format_call(call);
  if (human_lines_ && !d.explanation.empty()) {
    spdlog::warn("{} {} {}", who(call, e.target), rendered, d.explanation);
  } else if (human_lines_ && !(d.rule != nullptr && d.rule->log == LogLevel::None)) {
    const std::string line = who(call, e.target) + " " + rendered + " -> " + describe_outcome(d) + " (" + why(d, e.target) + ")";
    if (d.verdict == Verdict::Continue || (d.rule != nullptr && d.rule->log == LogLevel::Info))
      spdlog::info("{}", line);
    else
      spdlog::warn("{}", line);
  }
  if (!json_) return;
  json_->info("{}", decision_event_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

nlohmann::json decision_event_json(const DecisionEvent& e) {
  const Decision& d = e.decision;
  const CallContext& call = e.call;
  const std::string rendered = format_call(call);
  nlohmann::json j;
  j["time"] = iso_time_now();
  j["pid"] = call.pid();
  if (const ProcessInfo* p = call.cached_process()) {
    j["comm"] = p->comm;
    j["exe"] = p->exe;
    j["uid"] = p->uid;
    j["gid"] = p->gid;
  }
  j["syscall"] = call.syscall_name();
  j["nr"] = call.notification().data.nr;
  nlohmann::json args = nlohmann::json::array();
  nlohmann::json strings = nlohmann::json::object();
  for (unsigned i = 0; i < 6; ++i) {
    args.push_back(hex(call.arg(i)));
    if (const std::string* s = call.cached_string(i)) strings[std::to_string(i)] = *s;
  }
  j["args"] = std::move(args);
  j["strings"] = std::move(strings);
  j["call"] = rendered;
  j["policy"] = e.target.policy_name;
  j["rule"] = d.rule != nullptr ? nlohmann::json(d.rule->name) : nlohmann::json(nullptr);
  j["action"] = to_string(d.verdict);
  if (d.verdict == Verdict::Errno) j["errno"] = errno_name(d.error);
  if (!d.reason.empty()) j["reason"] = d.reason;
  if (!d.explanation.empty()) j["explanation"] = d.explanation;
  j["latency_ns"] = e.latency_ns;
  j["target"] = {{"pid", e.target.pid}, {"argv", e.target.argv}};
  if (!e.target.metadata.empty()) j["metadata"] = e.target.metadata;
  if (e.target.container) j["container"] = container_json(e.target);
  return j;
}

}  // namespace tollgate
