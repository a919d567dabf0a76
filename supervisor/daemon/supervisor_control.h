// Everything a person uses to steer a running supervisor: the calls held by "ask" rules, the rules learned
// from "always" answers, the control socket for `tollgate ctl`, and the interactive prompt.
#pragma once

#include <uv.h>

#include <expected>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/install_paths.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

class Supervisor;
class HeldCalls;
class LearnedRules;
class ControlServer;
class DaemonMetrics;
class ContainerReports;
class InteractivePrompt;

struct ControlOptions {
  std::string socket_path = (runtime_dir() / "control.sock").string();  // empty: no control socket
  // The path is only the default: when it cannot be used (another supervisor has it), run without a
  // control socket and say so, rather than refuse to start.
  bool socket_optional = false;
  std::optional<std::string> group;         // may also use the control socket
  std::optional<std::string> learned_path;  // where "always" answers go
  bool interactive = false;                 // ask on a terminal: `tty`, or this process's stdin/stdout
  std::string tty;
};

class SupervisorControl {
 public:
  // Extra policies to re-read on `ctl reload`, after the learned rules; its body goes into the reply.
  using ReloadFn = std::function<std::expected<nlohmann::json, std::string>()>;

  // `activated_socket`, when given, is the control socket already listening (socket activation), served
  // instead of options.socket_path. `metrics`, when given, answers `stats --openmetrics` and is told how
  // many calls are held; it must outlive the control. `reports`, when given, answers `ctl report` (it must
  // outlive the control too).
  // Error: a message for the user (bad learned file, socket in use, unknown group, no terminal).
  static std::expected<std::unique_ptr<SupervisorControl>, std::string> start(
      uv_loop_t* loop, Supervisor& supervisor, const ControlOptions& options, ReloadFn reload = {},
      UniqueFd activated_socket = UniqueFd(), DaemonMetrics* metrics = nullptr,
      const ContainerReports* reports = nullptr);
  ~SupervisorControl();
  // Answers what is still held with its default, closes the socket and the prompt. Before the loop's last
  // run.
  void close();
  // `ctl reload` and SIGHUP: the learned rules, then the policies. Error: what was wrong; nothing changed.
  std::expected<nlohmann::json, std::string> reload();
  // The listening control socket; -1 when running without one.
  int listening_fd() const;
  // What `ctl upgrade` does (under a keeper); without it, the command is refused.
  void set_upgrade(std::function<std::expected<nlohmann::json, std::string>()> upgrade) {
    upgrade_ = std::move(upgrade);
  }

 private:
  SupervisorControl() = default;
  // The prompt, then the asker: the last steps of start().
  static std::expected<std::unique_ptr<SupervisorControl>, std::string> finish_start(
      std::unique_ptr<SupervisorControl> c, uv_loop_t* loop, Supervisor& supervisor, const ControlOptions& o);

  Supervisor* supervisor_ = nullptr;
  ReloadFn reload_policies_;
  std::function<std::expected<nlohmann::json, std::string>()> upgrade_;
  std::unique_ptr<LearnedRules> learned_;
  std::unique_ptr<HeldCalls> held_;
  std::unique_ptr<ControlServer> server_;
  std::unique_ptr<InteractivePrompt> prompt_;
  bool closed_ = false;
};

}  // namespace tollgate
