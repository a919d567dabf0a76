// `tollgate run`: start a command under a policy and supervise it here, or hand it to a daemon.
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <uv.h>

#include <CLI/CLI.hpp>
#include <cstring>

#include "agent/handover_client.h"
#include "agent/launcher.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/logging.h"
#include "cli/run_mode.h"
#include "cli/signal_forwarder.h"
#include "core/proc_status.h"
#include "profile/filter_compiler.h"
#include "supervisor/emulation/emulation_dispatcher.h"
#include "supervisor/rules/rule_set.h"
#include "supervisor/socket/open_file_limit.h"
#include "supervisor/supervisor.h"

namespace tollgate {
namespace {

// Without CAP_SYS_ADMIN the kernel only accepts a filter from a task with no_new_privs set.
bool has_cap_sys_admin() {
  auto status = ProcStatus::of_self();
  return status && ((status->mask("CapEff").value_or(0) >> CAP_SYS_ADMIN) & 1);
}

std::map<std::string, std::string> parse_metadata(const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    out[item.substr(0, eq)] = eq == std::string::npos ? "" : item.substr(eq + 1);
  }
  return out;
}

int status_of(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) return info.si_status;
  return 128 + info.si_status;  // killed or dumped
}

// Waits for the target through its pidfd, forwarding signals to it meanwhile; stops the loop when it exits.
class TargetWatch {
 public:
  TargetWatch(uv_loop_t* loop, int pidfd, Supervisor& supervisor)
      : pidfd_(pidfd), supervisor_(supervisor), signals_(loop, [this](int sig) { forward(sig); }) {
    poll_.data = this;
    uv_poll_init(loop, &poll_, pidfd);
    uv_poll_start(&poll_, UV_READABLE, &TargetWatch::on_exit);
  }
  std::optional<int> status() const { return status_; }

 private:
  void forward(int sig) { syscall(SYS_pidfd_send_signal, pidfd_, sig, nullptr, 0); }

  static void on_exit(uv_poll_t* handle, int, int) {
    auto* self = static_cast<TargetWatch*>(handle->data);
    siginfo_t info{};
    if (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(self->pidfd_), &info, WEXITED | WNOHANG) !=
            0 ||
        info.si_pid == 0)
      return;
    self->status_ = status_of(info);
    // Done: let the loop run dry. Descendants the target left behind lose their supervisor with us.
    uv_close(reinterpret_cast<uv_handle_t*>(&self->poll_), nullptr);
    self->signals_.close();
    self->supervisor_.close_all();
  }

  int pidfd_;
  Supervisor& supervisor_;
  SignalForwarder signals_;
  uv_poll_t poll_{};
  std::optional<int> status_;
};

}  // namespace

// Signals that arrive before the forwarding handlers exist must not kill tollgate and orphan the target:
// they are blocked from the start and delivered (hence forwarded) once the handlers are in place.
class EarlySignalHold {
 public:
  EarlySignalHold() {
    sigset_t forwarded;
    sigemptyset(&forwarded);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&forwarded, sig);
    pthread_sigmask(SIG_BLOCK, &forwarded, &original_);
  }
  ~EarlySignalHold() { release(); }
  const sigset_t& original_mask() const { return original_; }
  void release() {
    if (released_) return;
    released_ = true;
    pthread_sigmask(SIG_SETMASK, &original_, nullptr);
  }

 private:
  sigset_t original_{};
  bool released_ = false;
};

int run_command(const RunOptions& o) {
  EarlySignalHold early_signals;
  // The embedded supervisor holds an fd per listener, like the daemon (and the target inherits the limit).
  if (auto raised = raise_open_file_limit(); !raised) spdlog::warn("{}", raised.error());
  auto loaded = load_policy_choice(o.policy);
  if (!loaded) {
    report_error(loaded.error());
    return exit_code::kUsage;
  }
  const PolicyPtr& policy = loaded->policy;
  auto prepared = prepare_run(o, policy);
  if (!prepared) {
    report_error(prepared.error());
    return exit_code::kUsage;
  }
  auto compiled = compile_filter(prepared->filter, FilterEnvironment::of_this_process());
  if (!compiled) {
    report_error(policy->source_path + ": " + compiled.error());
    return exit_code::kUsage;
  }
  auto executable = find_executable(o.command.front());
  if (!executable) {
    report_error(o.command.front() + ": " + std::strerror(executable.error()));
    return executable.error() == ENOENT ? exit_code::kNotFound : exit_code::kCannotExecute;
  }

  std::unique_ptr<EventLog> events = open_event_log(o.quiet, o.events_path);
  if (!events) return exit_code::kUsage;

  uv_loop_t loop;
  uv_loop_init(&loop);
  int result = exit_code::kInternal;
  {
    Supervisor supervisor(&loop, *events);
    EmulationDispatcher emulator(supervisor);
    supervisor.set_emulator(&emulator);
    std::atomic<int> reboot_status{-1};
    emulator.on_container_reboot([&reboot_status](const TargetInfo&, RebootKind kind) {
      reboot_status = kind == RebootKind::Restart ? exit_code::kRebootRestart
                      : kind == RebootKind::Halt  ? exit_code::kRebootHalt
                                                  : exit_code::kRebootPowerOff;
    });
    // Leaving early: every handle is closed and its callback has run before the loop (and, after it, the
    // objects that own the handles) go away.
    auto finish_early = [&](int status) {
      supervisor.close_all();
      uv_run(&loop, UV_RUN_DEFAULT);
      uv_loop_close(&loop);
      return status;
    };
    std::unique_ptr<SupervisorControl> control;
    if (o.control.interactive && o.control.tty.empty()) {
      report_error("run --interactive needs --tty PATH: the command shares tollgate's own terminal");
      return finish_early(exit_code::kUsage);
    }
    if (o.control.interactive) {
      auto started = SupervisorControl::start(&loop, supervisor, o.control);
      if (!started) {
        report_error(started.error());
        return finish_early(exit_code::kUsage);
      }
      control = std::move(*started);
    }
    LaunchRequest launch{*executable, o.command, std::move(compiled->program), !has_cap_sys_admin(),
                         early_signals.original_mask()};
    launch.rootless = o.rootless;
    if (o.rootless) {
      launch.id_maps = plan_rootless_maps();
      if (!launch.id_maps.single_id_reason.empty() && !o.quiet)
        spdlog::info("--rootless: only uid {} and gid {} are mapped ({}); docs/rootless.md", geteuid(),
                     getegid(), launch.id_maps.single_id_reason);
    }
    launch.new_pid_namespace = o.pidns;
    launch.new_net_namespace = o.netns;
    auto target = launch_under_filter(launch);
    if (!target) {
      report_error(target.error());
      if (control) control->close();
      return finish_early(exit_code::kInternal);
    }
    TargetInfo info{target->pid(), o.command, policy->name, parse_metadata(o.metadata)};
    info.metadata.insert(prepared->metadata.begin(), prepared->metadata.end());
    UniqueFd listener = target->take_listener();
    std::expected<void, std::string> serving;
    if (o.supervisor_socket) {
      HandoverEnvelope envelope;
      envelope.pid = info.pid;
      envelope.argv = info.argv;
      envelope.policy_name = policy->name;
      envelope.policy_flavor = loaded->flavor == PolicyFlavor::Tollgate ? "tollgate" : "docker";
      envelope.policy_document = policy->document;
      envelope.metadata = info.metadata;
      serving = hand_over_listener(*o.supervisor_socket, envelope, listener.get());
      listener.reset();  // the daemon holds it now
    } else {
      serving = supervisor.add_listener(std::move(listener), info, prepared->decider);
    }
    if (!serving) {
      report_error(serving.error());
      syscall(SYS_pidfd_send_signal, target->pidfd(), SIGKILL, nullptr, 0);
      waitpid(target->pid(), nullptr, 0);
      if (control) control->close();
      return finish_early(exit_code::kInternal);
    }

    TargetWatch watch(&loop, target->pidfd(), supervisor);
    early_signals.release();  // anything that came meanwhile is forwarded now
    uv_run(&loop, UV_RUN_DEFAULT);
    if (control) {  // the prompt's handles close on one more turn of the loop
      control->close();
      uv_run(&loop, UV_RUN_DEFAULT);
    }
    result = watch.status().value_or(exit_code::kInternal);
    if (reboot_status >= 0) {
      result = reboot_status;
      if (!o.quiet)
        spdlog::warn("the command called reboot(2): its process tree was ended (exit status {})", result);
    }
    if (auto exec_error = target->exec_error()) {
      report_error("cannot execute " + *executable + ": " + std::strerror(*exec_error));
      result = *exec_error == ENOENT ? exit_code::kNotFound : exit_code::kCannotExecute;
    }
  }
  events->flush();
  uv_loop_close(&loop);
  if (auto finished = prepared->finish(); !finished) {
    report_error(finished.error());
    return exit_code::kInternal;
  }
  return result;
}

Subcommand add_run_command(CLI::App& parent) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* cmd =
      parent.add_subcommand("run", "Run a command under a policy, supervised by this process or a daemon");
  cmd->add_option("--policy", options->policy.policy_path,
                  "tollgate policy (JSON); default: the shipped default.json")
      ->check(CLI::ExistingFile);
  cmd->add_option("--profile", options->policy.profile_path,
                  "Docker/OCI seccomp profile used as the filter (with --policy: the policy adds its rules)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--supervisor", options->supervisor_socket,
                  "hand the listener to `tollgate supervise` at this socket instead of serving it here");
  add_diagnostic_options(*cmd, *options);
  cmd->add_flag("-q,--quiet", options->quiet, "no decision lines on stderr");
  cmd->add_option("--events", options->events_path,
                  "append one JSON object per decision to FILE (docs/events.md)");
  // One value per --metadata: a vector option would otherwise swallow the command after "--".
  cmd->add_option("--metadata", options->metadata, "KEY=VALUE attached to this target's events (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag(
      "--rootless", options->rootless,
      "start the command in new user and mount namespaces with your uid/gid mapped to root (unshare -Urm), "
      "followed by your ranges from /etc/subuid and /etc/subgid if you have some (newuidmap)");
  cmd->add_flag("--pidns", options->pidns, "with --rootless: a new pid namespace too");
  cmd->add_flag("--netns", options->netns, "with --rootless: a new network namespace too");
  cmd->add_flag("--interactive", options->control.interactive,
                "ask about calls held by \"ask\" rules on the terminal given with --tty");
  cmd->add_option("--tty", options->control.tty,
                  "the terminal to ask on (e.g. /dev/pts/3), apart from the command's own terminal")
      ->check(CLI::ExistingFile);
  cmd->add_option(
      "--learned", options->control.learned_path,
      "rules learned from \"always\" answers: read at start, rewritten atomically on each new one");
  cmd->add_option("command", options->command, "the command and its arguments (after --)")->required();
  cmd->footer(
      "\nExit status: the command's own; 128+N when it was killed by signal N; 2 for a bad command line or\n"
      "policy; 125 when tollgate itself failed; 126 when the command could not be executed; 127 when it was\n"
      "not found. 120, 121 or 122 when the command rebooted (restart, halt, power off) under a reboot rule "
      "with\n"
      "mode \"exit\" and its process tree was ended. SIGINT, SIGTERM, SIGHUP and SIGQUIT are forwarded to "
      "the\n"
      "command.\n\n"
      "Example: tollgate run -- sh -c 'mount -t tmpfs none /mnt; echo rc=$?'");
  return {cmd, [options] { return run_command(*options); }};
}

}  // namespace tollgate
