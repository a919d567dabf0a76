// `tollgate ctl`: talks to a running `tollgate supervise` over its control socket. Human output by
// default, the protocol's own JSON with --json.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/control_client.h"
#include "cli/exit_codes.h"
#include "cli/logging.h"
#include "core/json_output.h"

namespace tollgate {
namespace {

struct CtlOptions {
  std::string socket_path = (runtime_dir() / "control.sock").string();
  bool json = false;
  uint64_t id = 0;
  bool always = false;
  std::string errno_name = "EPERM";
  bool openmetrics = false;  // stats: the Prometheus exposition instead of the summary
  std::string container;     // report: the container's id
};

constexpr int kRefused = 1;  // the supervisor answered with an error (unknown id, bad policy on reload)

std::string seconds(uint64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  return buf;
}

// "[container ID] " for targets an OCI runtime handed over, "" otherwise.
std::string container_text(const nlohmann::json& target) {
  auto c = target.find("container");
  return c != target.end() && c->is_object() ? "[container " + c->value("id", "") + "] " : "";
}

std::string argv_text(const nlohmann::json& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a.get<std::string>();
  return s;
}

std::string who(const nlohmann::json& j) {
  return j.value("comm", std::string("?")) + "[" + std::to_string(j.value("pid", 0)) + "]";
}

void print_pending(const nlohmann::json& reply) {
  const auto& list = reply["pending"];
  if (list.empty()) {
    std::cout << "no held calls\n";
    return;
  }
  for (const auto& c : list) {
    std::cout << "#" << c.value("id", 0) << "  " << who(c) << " " << c.value("call", "") << "\n"
              << "     held " << seconds(c.value("age_ms", 0)) << ", " << c.value("default", "deny") << " in "
              << seconds(c.value("expires_in_ms", 0)) << "; target " << c["target"].value("pid", 0) << " ("
              << container_text(c["target"]) << argv_text(c["target"]["argv"]) << "), policy "
              << c.value("policy", "") << ", rule "
              << (c["rule"].is_string() ? c["rule"].get<std::string>() : "-") << "\n";
  }
}

void print_targets(const nlohmann::json& reply) {
  const auto& list = reply["targets"];
  if (list.empty()) {
    std::cout << "no targets\n";
    return;
  }
  std::printf("%-8s %-10s %-8s %-20s %s\n", "PID", "AGE", "HELD", "POLICY", "COMMAND");
  for (const auto& t : list)
    std::printf("%-8d %-10s %-8zu %-20s %s\n", t.value("pid", 0), seconds(t.value("age_ms", 0)).c_str(),
                t.value("held", size_t{0}), t.value("policy", "").c_str(),
                (container_text(t) + argv_text(t["argv"])).c_str());
}

void print_stats(const nlohmann::json& reply) {
  const auto& s = reply["stats"];
  std::cout << "listeners " << s.value("listeners", 0) << " (opened " << s.value("listeners_opened", 0)
            << ", closed " << s.value("listeners_closed", 0) << "), held now " << s.value("held", 0) << "\n"
            << "notifications " << s.value("notifications", 0) << ", answered " << s.value("answered", 0)
            << ", callers gone " << s.value("targets_gone", 0) << ", errors " << s.value("errors", 0) << "\n";
  std::cout << "by decision:";
  for (const auto& [verdict, n] : s["by_verdict"].items())
    std::cout << " " << verdict << "=" << n.get<uint64_t>();
  std::cout << "\nlatency: p50 " << s["latency_ns"].value("p50", 0) / 1000.0 << " us, p90 "
            << s["latency_ns"].value("p90", 0) / 1000.0 << " us, p99 "
            << s["latency_ns"].value("p99", 0) / 1000.0 << " us, max "
            << s["latency_ns"].value("max", 0) / 1000.0 << " us\n";
  for (const auto& [name, counts] : s["by_syscall"].items()) {
    std::cout << "  " << name << ":";
    for (const auto& [verdict, n] : counts.items()) std::cout << " " << verdict << "=" << n.get<uint64_t>();
    std::cout << "\n";
  }
}

void print_event(const nlohmann::json& e) {
  const std::string kind = e.value("event", "");
  if (kind == "decision") {
    std::string outcome = e.value("action", "");
    if (e.contains("errno")) outcome += " " + e["errno"].get<std::string>();
    std::cout << e.value("time", "") << " " << who(e) << " " << e.value("call", "") << " -> " << outcome
              << " (policy " << e.value("policy", "") << ", rule "
              << (e["rule"].is_string() ? e["rule"].get<std::string>() : "-") << ")\n";
  } else if (kind == "held") {
    const auto& c = e["call"];
    std::cout << "held #" << e.value("id", 0) << " " << who(c) << " " << c.value("call", "") << " ("
              << c.value("default", "deny") << " in " << seconds(c.value("expires_in_ms", 0)) << ")\n";
  } else {
    std::cout << kind << " #" << e.value("id", 0) << "\n";
  }
  std::cout.flush();
}

// The daemon's text, then where the files are. The profile itself is in the files and in --json.
void print_report(const nlohmann::json& reply) {
  const auto& r = reply["report"];
  std::cout << r.value("text", "") << "finished " << r.value("finished", "") << "\n";
  if (r.contains("truncated")) std::cout << r["truncated"].get<std::string>() << "\n";
  for (const auto& file : r.value("files", nlohmann::json::array()))
    std::cout << "file: " << file.get<std::string>() << "\n";
}

int run_ctl(const CtlOptions& o, const std::string& cmd) {
  auto client = ControlClient::connect(o.socket_path);
  if (!client) {
    report_error(client.error());
    return exit_code::kInternal;
  }
  nlohmann::json request = {{"cmd", cmd}};
  if (cmd == "allow" || cmd == "deny") {
    request["id"] = o.id;
    request["always"] = o.always;
  }
  if (cmd == "deny") request["errno"] = o.errno_name;
  if (cmd == "stats" && o.openmetrics) request["format"] = "openmetrics";
  if (cmd == "report") request["container"] = o.container;
  if (auto r = client->send(request); !r) {
    report_error(r.error());
    return exit_code::kInternal;
  }
  auto reply = client->receive(cmd == "reload" ? std::chrono::seconds(60) : std::chrono::seconds(10));
  if (!reply) {
    report_error(reply.error());
    return exit_code::kInternal;
  }
  if (o.json) std::cout << json_text(*reply) << "\n" << std::flush;
  if (!reply->value("ok", false)) {
    report_error(reply->value("error", std::string("the supervisor refused")));
    return kRefused;
  }
  if (cmd == "watch") {
    if (!o.json) std::cerr << "watching; Ctrl-C to stop" << std::endl;
    while (true) {
      auto event = client->receive(std::chrono::milliseconds(-1));
      if (!event) return 0;  // the supervisor stopped
      if (o.json)
        std::cout << json_text(*event) << "\n" << std::flush;
      else
        print_event(*event);
    }
  }
  if (o.json) return 0;
  if (cmd == "pending") print_pending(*reply);
  if (cmd == "targets") print_targets(*reply);
  if (cmd == "stats" && o.openmetrics)
    std::cout << reply->value("openmetrics", std::string()) << std::flush;
  else if (cmd == "stats")
    print_stats(*reply);
  if (cmd == "allow") std::cout << "allowed #" << o.id << (o.always ? " (and learned: always)" : "") << "\n";
  if (cmd == "deny")
    std::cout << "denied #" << o.id << " with " << reply->value("errno", o.errno_name)
              << (o.always ? " (and learned: always)" : "") << "\n";
  if (cmd == "reload") std::cout << "reloaded\n";
  if (cmd == "upgrade")
    std::cout << "upgrade started: the keeper starts "
              << reply->value("binary", std::string("the binary on disk")) << "; daemon "
              << reply->value("pid", 0)
              << " hands over once it is serving (if it fails to start, this one serves on)\n";
  if (cmd == "report") print_report(*reply);
  return 0;
}

}  // namespace

Subcommand add_ctl_command(CLI::App& parent) {
  auto o = std::make_shared<CtlOptions>();
  auto chosen = std::make_shared<std::string>();
  CLI::App* cmd =
      parent.add_subcommand("ctl", "Talk to a running `tollgate supervise`: held calls, answers, stats");
  cmd->add_option("--socket", o->socket_path, "the supervisor's control socket")->capture_default_str();
  cmd->add_flag("--json", o->json, "print the protocol's JSON lines (docs/control-protocol.md)");
  cmd->require_subcommand(1);
  cmd->fallthrough();  // `ctl watch --json` as well as `ctl --json watch`
  auto sub = [&](const char* name, const char* help) {
    CLI::App* s = cmd->add_subcommand(name, help);
    s->callback([chosen, name] { *chosen = name; });
    return s;
  };
  sub("pending", "calls held by \"ask\" rules: id, age, target, process, the call");
  CLI::App* allow = sub("allow", "let a held call run");
  allow->add_option("id", o->id, "the held call's id (see `ctl pending`)")->required();
  allow->add_flag("--always", o->always, "also learn a rule: the same call is allowed from now on");
  CLI::App* deny = sub("deny", "fail a held call");
  deny->add_option("id", o->id, "the held call's id (see `ctl pending`)")->required();
  deny->add_option("--errno", o->errno_name, "the error the call fails with")->capture_default_str();
  deny->add_flag("--always", o->always, "also learn a rule: the same call is denied from now on");
  sub("watch", "follow decisions and held calls as they happen");
  CLI::App* stats =
      sub("stats", "counters per syscall and decision, latency percentiles, listeners, held calls");
  stats->add_flag("--openmetrics", o->openmetrics,
                  "print the Prometheus text exposition the metrics endpoint serves (docs/metrics.md)");
  sub("targets", "the targets being supervised: pid, command, policy, age");
  sub("reload", "re-read the learned rules (and policies) without dropping any target");
  sub("upgrade",
      "start the tollgate binary now on disk in this daemon's place, losing no target and no call (needs "
      "`supervise --keeper`; SIGUSR2 to the keeper does the same)");
  CLI::App* report =
      sub("report",
          "what a container run in audit or learn mode left at its exit: the calls the profile "
          "would have denied and the suggested profile, or the learned profile");
  report->add_option("id", o->container, "the container's id, as its engine named it to the runtime")
      ->required();
  cmd->footer(
      "\nExit status: 0; 1 when the supervisor refused the request (e.g. a stale id); 125 when it cannot be\n"
      "reached.");
  return {cmd, [o, chosen] { return run_ctl(*o, *chosen); }};
}

}  // namespace tollgate
