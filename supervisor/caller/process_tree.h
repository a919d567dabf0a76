// Ending a target's whole process tree (reboot in "exit" mode).
#pragma once

#include <sys/types.h>

namespace tollgate {

// SIGKILLs `root` and every descendant found in /proc, scanning again for children forked meanwhile.
// Returns how many processes were signalled.
int kill_process_tree(pid_t root);

// Whether `pid` is `ancestor` or one of its descendants now (by /proc's parent links).
bool in_process_tree(pid_t pid, pid_t ancestor);

}  // namespace tollgate
