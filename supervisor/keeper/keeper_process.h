// The keeper: `tollgate supervise --keeper` is a small parent process that holds everything the daemon must
// not lose (its listening sockets, every listener, the in-flight records) and starts the daemon as its
// child. When the daemon dies by any signal, or exits with an error after it was serving, the keeper starts
// a new one within a second and hands it all of it; repeated crashes back off (up to kMaxBackoff) and are
// logged. The keeper does nothing else: no policy, no parsing of peers' messages, no libuv, so that it has
// as little as possible that could crash. docs/architecture.md ("Restarts") says why it is built this way.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tollgate/unique_fd.h"

namespace tollgate {

// The longest pause between two starts of a daemon that keeps crashing.
inline constexpr std::chrono::milliseconds kMaxBackoff{500};

struct KeeperOptions {
  // --fd-store: keep everything in the service manager's fd store too (service_manager_link.h).
  bool fd_store = false;
  // What the service manager passed back from its fd store (names with kStoredFdPrefix): a keeper before
  // this one died, and this one takes up its listeners and in-flight records.
  std::vector<std::pair<std::string, UniqueFd>> stored;
};

// Runs the keeper until the daemon exits on its own terms (a stop signal, which the keeper forwards, or a
// start-up error): returns the daemon's exit status. `daemon_argv` is the command line the daemon is
// started with (through /proc/self/exe: the binary this keeper runs).
// `sockets`: listening sockets a service manager passed, by name, for every daemon to serve.
int run_keeper(const std::vector<std::string>& daemon_argv,
               std::map<std::string, UniqueFd, std::less<>> sockets, KeeperOptions options = {});

}  // namespace tollgate
