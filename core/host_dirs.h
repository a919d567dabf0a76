// The daemon's own /proc, /, /sys and /dev, opened once and held for the life of the process. An emulation
// worker moves into a caller's mount namespace and root (and stays there a while for the next call); every
// read of the daemon's own view, above all /proc/PID of a caller, goes through these, never through a path
// that the worker's current root would resolve (the container's /proc shows the container's pids).
#pragma once

namespace tollgate {

// Opens all four now; the emulation dispatcher calls it when it starts, in our own root and namespace.
void open_host_dirs();
int host_proc();
int host_dev();   // loop devices
int host_sys();   // loop devices' backing files
int host_root();  // a worker can chroot back to it once the caller's paths are resolved

}  // namespace tollgate
