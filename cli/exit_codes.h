// Exit statuses of tollgate itself. `tollgate run` otherwise exits with the target's status, or 128+N when
// the target was killed by signal N, as timeout(1) and unshare(1) do.
#pragma once

namespace tollgate::exit_code {

inline constexpr int kUsage = 2;           // bad command line, bad policy or profile
inline constexpr int kInternal = 125;      // tollgate could not do its job (filter install, supervisor unreachable)
inline constexpr int kCannotExecute = 126; // the command exists but could not be executed
inline constexpr int kNotFound = 127;      // the command was not found
// The target called reboot(2) under a rule emulating it with mode "exit": its process tree was ended.
inline constexpr int kRebootRestart = 120;   // LINUX_REBOOT_CMD_RESTART / RESTART2
inline constexpr int kRebootHalt = 121;      // LINUX_REBOOT_CMD_HALT
inline constexpr int kRebootPowerOff = 122;  // LINUX_REBOOT_CMD_POWER_OFF

}  // namespace tollgate::exit_code
