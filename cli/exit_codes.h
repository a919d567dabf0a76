// Exit statuses of tollgate itself. `tollgate run` otherwise exits with the target's status, or 128+N when
// the target was killed by signal N, as timeout(1) and unshare(1) do.
#pragma once

namespace tollgate::exit_code {

inline constexpr int kUsage = 2;           // bad command line, bad policy or profile
inline constexpr int kInternal = 125;      // tollgate could not do its job (filter install, supervisor unreachable)
inline constexpr int kCannotExecute = 126; // the command exists but could not be executed
inline constexpr int kNotFound = 127;      // the command was not found

}  // namespace tollgate::exit_code
