// The "reboot" handler: reboot(2) from a target ends the target, never the host.
//   mode "exit" (default): SIGKILL the target's process tree and report the kind of reboot, so that
//     `tollgate run` exits with 120 (restart), 121 (halt) or 122 (power off); see cli/exit_codes.h.
//   mode "pretend": answer 0 and change nothing.
// Ctrl-Alt-Del toggles are answered 0 in both modes; kexec and suspend are refused with EPERM; bad magic
// numbers and unknown commands get EINVAL, as from the kernel.
#include <errno.h>
#include <linux/reboot.h>

#include "supervisor/caller/caller_credentials.h"
#include "supervisor/emulation/emulation_handlers.h"
#include "supervisor/emulation/handler_options.h"
#include "supervisor/caller/process_tree.h"

namespace tollgate {
namespace {

constexpr int kCapSysBoot = 22;

class RebootHandler : public EmulationHandler {
 public:
  explicit RebootHandler(bool exit) : exit_(exit) {}

  Decision run(PendingCall& call, const EmulationServices& services) const override {
    const auto magic1 = static_cast<uint32_t>(call.call().arg(0));
    const auto magic2 = static_cast<uint32_t>(call.call().arg(1));
    const auto cmd = static_cast<uint32_t>(call.call().arg(2));
    auto creds = read_caller_credentials(call.call().pid());
    if (!creds) return emulated_error(call, EPERM, "caller unreadable");
    if (!creds->has_cap(kCapSysBoot)) return emulated_error(call, EPERM, "caller lacks CAP_SYS_BOOT");
    if (magic1 != LINUX_REBOOT_MAGIC1 || (magic2 != LINUX_REBOOT_MAGIC2 && magic2 != LINUX_REBOOT_MAGIC2A &&
                                          magic2 != LINUX_REBOOT_MAGIC2B && magic2 != LINUX_REBOOT_MAGIC2C))
      return emulated_error(call, EINVAL, "bad reboot magic");
    RebootKind kind;
    switch (cmd) {
      case LINUX_REBOOT_CMD_RESTART:
      case LINUX_REBOOT_CMD_RESTART2:
        kind = RebootKind::Restart;
        break;
      case LINUX_REBOOT_CMD_HALT:
        kind = RebootKind::Halt;
        break;
      case LINUX_REBOOT_CMD_POWER_OFF:
        kind = RebootKind::PowerOff;
        break;
      case LINUX_REBOOT_CMD_CAD_ON:
      case LINUX_REBOOT_CMD_CAD_OFF:
        return emulated_value(call, 0);
      case LINUX_REBOOT_CMD_KEXEC:
      case LINUX_REBOOT_CMD_SW_SUSPEND:
        return emulated_error(call, EPERM, "kexec and suspend act on the host");
      default:
        return emulated_error(call, EINVAL, "unknown reboot command");
    }
    if (!call.still_waiting()) return emulated_error(call, EPERM, "caller gone");
    if (!exit_) return emulated_value(call, 0);
    // Report first: the launcher must know why its target is about to die before it sees it exit.
    if (services.container_rebooted) services.container_rebooted(call.target(), kind);
    // The target's tree, as its agent named it, only when the caller is part of it: a pid from a
    // handover envelope must never aim the kill at some other process.
    const pid_t caller = call.call().pid();
    kill_process_tree(in_process_tree(caller, call.target().pid) ? call.target().pid : caller);
    return emulated_value(call, 0);  // nobody is left to read it
  }

 private:
  bool exit_;
};

}  // namespace

std::expected<HandlerPtr, HandlerOptionError> make_reboot_handler(const nlohmann::json& options) {
  HandlerOptionReader r(options, {"mode"});
  const auto mode = r.string("mode", {"exit", "pretend"});
  if (r.error()) return std::unexpected(*r.error());
  return std::make_shared<RebootHandler>(mode.value_or("exit") == "exit");
}

}  // namespace tollgate
