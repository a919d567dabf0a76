// `tollgate supervise`: a daemon that serves listeners handed over on a Unix socket.
#include <pwd.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <climits>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/logging.h"
#include "cli/signal_forwarder.h"
#include "core/file_text.h"
#include "supervisor/daemon/handover_admission.h"
#include "supervisor/daemon/handover_server.h"
#include "supervisor/daemon/oci_admission.h"
#include "supervisor/daemon/policy_reload.h"
#include "supervisor/daemon/service_manager.h"
#include "supervisor/diagnose/container_reports.h"
#include "supervisor/emulation/emulation_dispatcher.h"
#include "supervisor/keeper/keeper_client.h"
#include "supervisor/keeper/keeper_process.h"
#include "supervisor/keeper/service_manager_link.h"
#include "supervisor/metrics/daemon_metrics.h"
#include "supervisor/metrics/metrics_http_server.h"
#include "supervisor/rules/rule_set.h"
#include "supervisor/socket/open_file_limit.h"
#include "supervisor/supervisor.h"

namespace tollgate {

namespace {

// --allow-uid values: user names or numbers. Error: the value that names nobody.
std::expected<std::vector<uid_t>, std::string> resolve_users(const std::vector<std::string>& users) {
  std::vector<uid_t> uids;
  for (const std::string& u : users) {
    if (const passwd* pw = getpwnam(u.c_str())) {
      uids.push_back(pw->pw_uid);
      continue;
    }
    uid_t uid = 0;
    auto [end, ec] = std::from_chars(u.data(), u.data() + u.size(), uid);
    if (u.empty() || ec != std::errc{} || end != u.data() + u.size())
      return std::unexpected("--allow-uid " + u + ": no such user");
    uids.push_back(uid);
  }
  return uids;
}

// --report-dir is made now (a daemon asked for a directory it cannot have stops at start); the default only
// when the first report is written, and then a failure is logged and the report kept in memory.
std::expected<ReportDirectory, std::string> report_directory(const SuperviseOptions& o) {
  if (o.report_dir) {
    auto dir = ReportDirectory::open(*o.report_dir);
    if (!dir) return std::unexpected("--report-dir: " + dir.error());
    return dir;
  }
  return ReportDirectory::when_first_written(default_report_dir());
}

std::string read_link(const char* path) {
  char target[PATH_MAX];
  const ssize_t n = readlink(path, target, sizeof target);
  return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
}

// This process's own command line, to start the daemon with under a keeper.
std::vector<std::string> own_command_line() {
  std::vector<std::string> argv;
  const std::string cmdline = read_file("/proc/self/cmdline").value_or("");
  size_t start = 0;
  while (start < cmdline.size()) {
    const size_t end = cmdline.find('\0', start);
    argv.push_back(cmdline.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return argv;
}

// Listeners the keeper held for this daemon's predecessor: admitted again with the record of their first
// admission. A listener that is no longer admissible is dropped by the keeper too.
template <typename AgentAdmit, typename OciAdmit>
size_t readmit_kept_listeners(KeeperClient& keeper, AgentAdmit& agent_admit, OciAdmit& oci_admit) {
  size_t admitted = 0;
  for (auto& kept : keeper.manifest().listeners) {
    UniqueFd fd(kept.fd);
    const nlohmann::json& record = kept.record;
    ucred peer{};
    std::expected<void, std::string> result = std::unexpected("an unreadable record");
    try {
      const nlohmann::json& p = record.at("peer");
      peer = ucred{p.at("pid").get<pid_t>(), p.at("uid").get<uid_t>(), p.at("gid").get<gid_t>()};
      keeper.readmitting(kept.key);
      if (record.at("kind") == "agent") {
        auto envelope = parse_envelope(record.at("envelope").get<std::string>());
        result = envelope ? agent_admit(std::move(*envelope), std::move(fd), peer)
                          : std::unexpected(envelope.error());
      } else {
        auto state = parse_oci_process_state(record.at("state"));
        result = state ? oci_admit(std::move(*state), std::move(fd), peer) : std::unexpected(state.error());
      }
    } catch (const nlohmann::json::exception& e) {
      result = std::unexpected(std::string("an unreadable record: ") + e.what());
    }
    keeper.admitted();
    if (result) {
      ++admitted;
    } else {
      spdlog::warn("a listener kept across the restart (pid {}) is not admitted again: {}", peer.pid,
                   result.error());
      keeper.forget(kept.key);
    }
  }
  return admitted;
}

// The keeper's side of a start: the sockets this daemon bound go to the keeper; the listeners and calls it
// kept for a predecessor are taken over; then the keeper hears that this daemon serves.
template <typename AgentAdmit, typename OciAdmit>
void take_over_from_predecessor(KeeperClient& keeper, Supervisor& supervisor,
                                const std::vector<std::pair<std::string, int>>& bound_sockets,
                                const SuperviseOptions& o, AgentAdmit& agent_admit, OciAdmit& oci_admit) {
  for (const auto& [name, fd] : bound_sockets) {
    const std::string path = name == "handover" ? o.socket_path
                             : name == "oci"    ? o.oci_socket_path.value_or("")
                                                : o.control.socket_path;
    keeper.keep_socket(name, path, fd);
  }
  const size_t readmitted = readmit_kept_listeners(keeper, agent_admit, oci_admit);
  // Every record at once: a call can be in two of them (a daemon that died while taking calls over).
  struct Records {
    std::vector<InflightRing> rings;
    std::vector<uint64_t> ids;
  };
  auto records = std::make_shared<Records>();
  for (const auto& r : keeper.manifest().rings) {
    auto ring = InflightRing::adopt(UniqueFd(r.fd));
    if (!ring) {
      spdlog::error("keeper: in-flight record {}: {}", r.id, ring.error());
      continue;
    }
    records->rings.push_back(std::move(*ring));
    records->ids.push_back(r.id);
  }
  if (!records->rings.empty()) {
    std::vector<InflightRing*> rings;
    for (auto& ring : records->rings) rings.push_back(&ring);
    supervisor.recover(rings, [&keeper, records](size_t handled) {
      if (handled > 0)
        spdlog::warn("answered or held again {} call(s) an earlier daemon received and left unanswered",
                     handled);
      for (uint64_t id : records->ids) keeper.drop_ring(id);
    });
  }
  if (keeper.generation() > 1)
    spdlog::warn("daemon {} took over {} of {} listener(s) from its predecessor", keeper.generation(),
                 readmitted, keeper.manifest().listeners.size());
  keeper.ready();
}

}  // namespace

int supervise_command(const SuperviseOptions& o) {
  auto keeper = KeeperClient::from_environment();
  if (!keeper) {
    report_error(keeper.error());
    return exit_code::kUsage;
  }
  // --keeper, in the process a person or a service manager started: it becomes the keeper, and starts this
  // same command line again as the daemon.
  if (o.keeper && !*keeper) {
    // Sockets a service manager passed are the keeper's to hold, and the daemon's to serve.
    auto activated = take_activated_sockets(kStoredFdPrefix);
    if (!activated) {
      report_error(activated.error());
      return exit_code::kUsage;
    }
    return run_keeper(own_command_line(), std::move(activated->by_name),
                      KeeperOptions{.fd_store = o.fd_store, .stored = std::move(activated->stored)});
  }
  KeeperClient* kept = keeper->has_value() ? keeper->value().get() : nullptr;
  // One fd per listener and per connection: the soft limit distributions start services with is too low.
  if (auto raised = raise_open_file_limit(); !raised) spdlog::warn("{}", raised.error());
  auto allowed_uids = resolve_users(o.allow_users);
  if (!allowed_uids) {
    report_error(allowed_uids.error());
    return exit_code::kUsage;
  }
  std::unique_ptr<EventLog> events = open_event_log(o.quiet, o.events_path);
  if (!events) return exit_code::kUsage;
  // Sockets a service manager created for us (tollgate.socket) take the place of --socket, --oci-socket
  // and --control-socket.
  auto activated = take_activated_sockets(kStoredFdPrefix);
  if (!activated) {
    report_error(activated.error());
    return exit_code::kUsage;
  }
  // Only a keeper takes up what a keeper stored (a unit that dropped --keeper --fd-store).
  if (!activated->stored.empty())
    spdlog::warn(
        "{} fd(s) a keeper left in the service manager's store are closed: this daemon runs "
        "without --keeper --fd-store, so their targets' notified calls fail with ENOSYS",
        activated->stored.size());
  activated->stored.clear();
  // A daemon a keeper started serves the sockets its predecessor listened on.
  if (kept)
    for (const auto& s : kept->manifest().sockets)
      activated->by_name.insert_or_assign(s.name, UniqueFd(s.fd));
  UniqueFd activated_handover = activated->take("handover");
  UniqueFd activated_oci = activated->take("oci");
  UniqueFd activated_control = activated->take("control");
  const bool socket_activated = activated_handover || activated_oci || activated_control;

  auto report_dir = report_directory(o);
  if (!report_dir) {
    report_error(report_dir.error());
    return exit_code::kUsage;
  }
  // Before the supervisor: releasing a container's last listener, up to the supervisor's end, adds its
  // report.
  ContainerReports reports(ReportLimits{.max_reports = o.report_limit}, std::move(*report_dir));
  uv_loop_t loop;
  uv_loop_init(&loop);
  int result = 0;
  {
    Supervisor supervisor(&loop, *events, o.loops);
    EmulationDispatcher emulator(supervisor);
    supervisor.set_emulator(&emulator);
    // Leaving early: every handle is closed and its callback has run before the loop (and, after it, the
    // objects that own the handles) go away.
    auto finish_early = [&](int status) {
      supervisor.close_all();
      uv_run(&loop, UV_RUN_DEFAULT);
      uv_loop_close(&loop);
      return status;
    };
    if (kept) {
      auto ring = kept->make_ring(supervisor.loop_count());
      if (!ring) {
        report_error("keeper: " + ring.error());
        return finish_early(exit_code::kInternal);
      }
      supervisor.set_keeper(kept, **ring);
    }
    const PolicySearchPath path = o.policy_dir ? PolicySearchPath{{*o.policy_dir}} : shipped_policy_path();
    const DaemonPolicies policies{path, o.default_policy.value_or("default")};
    HandoverAdmission agents(supervisor, policies);
    uint64_t handovers_accepted = 0;  // refusals are the servers' own count
    auto accept = [&](HandoverEnvelope envelope, UniqueFd listener, const ucred& peer) {
      if (kept) kept->admitting(agent_admission_record(envelope, peer));
      auto admitted = agents.admit(std::move(envelope), std::move(listener), peer);
      if (kept) kept->admitted();
      if (admitted) ++handovers_accepted;
      return admitted;
    };
    OciAdmission containers(supervisor, policies, reports);
    if (auto ok = containers.check_default_policy(); !ok) {
      // Asked for explicitly: a configuration error. Otherwise only containers are affected, not agents.
      if (o.policy_dir || o.default_policy) {
        report_error(ok.error());
        return finish_early(exit_code::kUsage);
      }
      spdlog::warn("{}; containers that name no policy will be refused", ok.error());
    }
    auto admit = [&](OciProcessState state, UniqueFd listener,
                     const ucred& peer) -> std::expected<void, std::string> {
      // A rootless runtime let in with --allow-uid names its container's pid: it aims reboot's "exit" kill,
      // so it must run as that user (pid 0, which crun sends for `crun exec`, names nothing).
      if (!is_trusted_peer(peer) && state.pid != 0 && !runs_as(state.pid, peer.uid))
        return std::unexpected("pid " + std::to_string(state.pid) + " does not run as uid " +
                               std::to_string(peer.uid));
      if (kept) kept->admitting(oci_admission_record(state, peer));
      auto admitted = containers.admit(std::move(state), std::move(listener), peer.uid);
      if (kept) kept->admitted();
      if (admitted) ++handovers_accepted;
      return admitted;
    };
    HandoverLimits limits;
    limits.allowed_uids = *allowed_uids;
    auto server = activated_handover
                      ? HandoverServer::adopt(&loop, std::move(activated_handover), accept, limits)
                      : HandoverServer::listen(&loop, o.socket_path, accept, limits);
    std::expected<std::unique_ptr<HandoverServer>, std::string> oci_server;
    if (server && activated_oci)
      oci_server = HandoverServer::adopt(&loop, std::move(activated_oci), accept, limits);
    else if (server && o.oci_socket_path)
      oci_server = HandoverServer::listen(&loop, *o.oci_socket_path, accept, limits);
    if (!server || !oci_server) {
      report_error(!server ? server.error() : oci_server.error());
      if (server) (*server)->close();
      return finish_early(exit_code::kInternal);
    }
    (*server)->set_oci_accept(admit);
    if (*oci_server) (*oci_server)->set_oci_accept(admit);
    HandoverServer& srv = **server;
    DaemonMetrics metrics(supervisor);
    metrics.set_handovers([&] {
      return HandoverCounts{handovers_accepted,
                            srv.rejected() + (*oci_server ? (*oci_server)->rejected() : 0)};
    });
    auto control = SupervisorControl::start(
        &loop, supervisor, o.control, [&] { return reload_target_policies(supervisor); },
        std::move(activated_control), &metrics, &reports);
    std::expected<std::unique_ptr<MetricsHttpServer>, std::string> metrics_http;
    if (control && o.metrics_address)
      metrics_http =
          MetricsHttpServer::start(&loop, *o.metrics_address, [&] { return metrics.exposition(); });
    if (!control || !metrics_http) {
      report_error(!control ? control.error() : metrics_http.error());
      srv.close();
      if (*oci_server) (*oci_server)->close();
      if (control) (*control)->close();
      return finish_early(exit_code::kInternal);
    }
    if (*metrics_http)
      spdlog::info("metrics at http://{}/metrics (port {})", *o.metrics_address, (*metrics_http)->port());
    // SIGINT/SIGTERM/SIGQUIT stop the daemon: no new handovers, every listener closed (their targets'
    // notified calls then fail with ENOSYS), and the loop runs dry. SIGHUP re-reads the policies, as `ctl
    // reload` does.
    std::unique_ptr<SignalForwarder> signals;
    signals = std::make_unique<SignalForwarder>(&loop, [&](int sig) {
      if (sig == SIGHUP) {  // the same as `ctl reload`
        if (auto r = (*control)->reload(); !r) spdlog::error("reload: {}", r.error());
        return;
      }
      spdlog::info("stopping on signal {}", sig);
      notify_stopping();
      srv.close();
      if (*oci_server) (*oci_server)->close();
      (*control)->close();
      if (kept) kept->close();
      if (*metrics_http) (*metrics_http)->close();
      supervisor.close_all();
      signals->close();
    });
    signal(SIGPIPE, SIG_IGN);
    // The start-up line names every socket a peer may use, the --oci-socket one included.
    if (!o.quiet) {
      if (socket_activated)
        spdlog::info(
            "supervising on the sockets the service manager passed: handovers and OCI runtimes on "
            "\"handover\"{}",
            *oci_server ? ", OCI runtimes also on \"oci\" (--oci-socket)" : "");
      else if (o.oci_socket_path)
        spdlog::info("supervising; handovers and OCI runtimes at {}, OCI runtimes also at {} (--oci-socket)",
                     o.socket_path, *o.oci_socket_path);
      else
        spdlog::info("supervising; handovers and OCI runtimes at {}", o.socket_path);
    }
    bool receiving_stopped = false;  // an upgrade's quiesce
    if (kept) {
      std::vector<std::pair<std::string, int>> bound;
      if (!socket_activated) {
        bound.emplace_back("handover", srv.listening_fd());
        if (*oci_server) bound.emplace_back("oci", (*oci_server)->listening_fd());
        if ((*control)->listening_fd() >= 0) bound.emplace_back("control", (*control)->listening_fd());
      }
      take_over_from_predecessor(*kept, supervisor, bound, o, accept, admit);
      // An upgrade: this daemon stops accepting and receiving, lets its emulations finish, and the keeper
      // starts the successor; calls wait in the kernel meanwhile.
      kept->watch(&loop,
                  KeeperClient::Requests{
                      .quiesce =
                          [&] {
                            srv.set_accepting(false);
                            if (*oci_server) (*oci_server)->set_accepting(false);
                            receiving_stopped = false;
                            supervisor.set_receiving(false, [&] { receiving_stopped = true; });
                          },
                      .quiet = [&] { return receiving_stopped && supervisor.emulations_running() == 0; },
                      .resume =
                          [&] {
                            srv.set_accepting(true);
                            if (*oci_server) (*oci_server)->set_accepting(true);
                            supervisor.set_receiving(true);
                          },
                  });
      (*control)->set_upgrade([&]() -> std::expected<nlohmann::json, std::string> {
        if (auto asked = kept->request_upgrade(); !asked) return std::unexpected(asked.error());
        std::string binary = read_link("/proc/self/exe");
        if (binary.ends_with(" (deleted)")) binary.resize(binary.size() - 10);
        return nlohmann::json{{"upgrading", true}, {"pid", getpid()}, {"binary", binary}};
      });
    }
    notify_ready(socket_activated ? "supervising (socket-activated)" : "supervising " + o.socket_path);
    uv_run(&loop, UV_RUN_DEFAULT);
    result = 0;
  }
  events->flush();
  uv_loop_close(&loop);
  return result;
}

Subcommand add_supervise_command(CLI::App& parent) {
  auto options = std::make_shared<SuperviseOptions>();
  CLI::App* cmd = parent.add_subcommand(
      "supervise", "Serve listeners handed over by `tollgate run --supervisor` (a daemon)");
  cmd->add_option("--socket", options->socket_path, "Unix socket to accept listeners on (mode 0600)")
      ->capture_default_str();
  cmd->add_option("--oci-socket", options->oci_socket_path,
                  "a second socket for OCI runtimes' linux.seccomp.listenerPath (they may use --socket too)");
  cmd->add_option("--policy-dir", options->policy_dir,
                  "where containers' policy names resolve (default: the shipped policies)");
  cmd->add_option(
      "--default-policy", options->default_policy,
      "policy for containers whose listenerMetadata and annotations name none (default: default)");
  cmd->add_option("--allow-uid", options->allow_users,
                  "USER (name or number) may hand over listeners too, decided under this daemon's policies "
                  "(its metadata \"policy\" or --default-policy), never one it sends (repeatable; the socket "
                  "is then 0666)");
  // --log-level belongs to the top-level command; given after `supervise` (as in tollgate.service), it is
  // passed up to it.
  cmd->fallthrough();
  cmd->add_flag("-q,--quiet", options->quiet, "no decision lines on stderr");
  cmd->add_option("--events", options->events_path,
                  "append one JSON object per decision to FILE (docs/events.md)");
  CLI::Option* control_socket =
      cmd->add_option(
             "--control-socket", options->control.socket_path,
             "Unix socket for `tollgate ctl` (mode 0600, or 0660 with --control-group); when the default is "
             "taken by another supervisor, this one runs without")
          ->capture_default_str();
  cmd->add_option("--control-group", options->control.group,
                  "a group whose members may also use the control socket");
  cmd->add_option("--metrics-address", options->metrics_address,
                  "serve Prometheus metrics over HTTP at HOST:PORT, e.g. 127.0.0.1:9464 (off by default; "
                  "docs/metrics.md)");
  cmd->add_option(
      "--report-dir", options->report_dir,
      "where containers in audit and learn mode leave their report and profile as files (default: " +
          default_report_dir().string() + ")");
  cmd->add_option(
         "--report-limit", options->report_limit,
         "how many containers' reports `ctl report` keeps in memory; past it, the oldest of the runtime "
         "holding the most is dropped (files stay)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  cmd->add_option("--loops", options->loops,
                  "serving loops (threads) to share the listeners across, a container's all on one; 0 (the "
                  "default) runs one per CPU the daemon may run on")
      ->capture_default_str()
      ->check(CLI::Range(0u, 256u));
  CLI::Option* keeper = cmd->add_flag(
      "--keeper", options->keeper,
      "run under a keeper process that holds every listener and restarts the daemon within a second "
      "if it dies, handing over the calls it left unanswered (docs/architecture.md, \"Restarts\")");
  cmd->add_flag("--fd-store", options->fd_store,
                "with --keeper under systemd: keep every listener and unanswered call in the service's fd "
                "store too (FileDescriptorStoreMax=), so that a new keeper takes them up if the keeper "
                "itself dies (docs/systemd.md)")
      ->needs(keeper);
  cmd->add_flag("--interactive", options->control.interactive,
                "ask about calls held by \"ask\" rules on this terminal (stdin must be a terminal)");
  cmd->add_option(
      "--learned", options->control.learned_path,
      "rules learned from \"always\" answers: read at start, rewritten atomically on each new one");
  cmd->footer(
      "\nStops on SIGINT, SIGTERM or SIGQUIT (exit status 0); 2 for a bad command line, 125 when the socket\n"
      "cannot be set up. The handover protocol is described in docs/handover.md, OCI runtimes in "
      "docs/oci.md.");
  return {cmd, [options, control_socket] {
            options->control.socket_optional = control_socket->count() == 0;
            return supervise_command(*options);
          }};
}

}  // namespace tollgate
