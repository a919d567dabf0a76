// The keeper's side of systemd (docs/systemd.md, "The keeper under systemd"). Under --keeper the keeper is
// the service's main process, so it is the one that tells readiness (the daemon it starts is not given
// NOTIFY_SOCKET). With --fd-store it also puts every listener, every in-flight record and its own state
// (kept_state_log.h) in the service manager's file descriptor store (sd_notify FDSTORE=1), so that when the
// keeper itself dies systemd starts a new one with all of them (passed back like activated sockets, by the
// names below).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate {

// Every fd the keeper stores has a name with this prefix, which tells it apart from the activated sockets
// (handover, oci, control) when systemd passes both.
inline constexpr std::string_view kStoredFdPrefix = "kept-";

std::string stored_listener_name(uint64_t key);  // kept-listener-KEY
std::string stored_ring_name(uint64_t id);       // kept-ring-ID
std::string stored_state_name(uint64_t number);  // kept-state-NUMBER

// What a stored fd's name says it is.
struct StoredFdName {
  enum Kind { kListener, kRing, kState } kind;
  uint64_t number;
};
// nullopt: not a name the keeper gives (or a number that does not parse).
std::optional<StoredFdName> parse_stored_fd_name(std::string_view name);

class ServiceManagerLink {
 public:
  // `fd_store`: --fd-store was given. Without NOTIFY_SOCKET (not started by systemd) every call is a no-op.
  explicit ServiceManagerLink(bool fd_store);

  bool present() const { return present_; }
  bool storing() const { return present_ && fd_store_; }

  // A state string of sd_notify(3): "READY=1\nSTATUS=...", "STOPPING=1", "STATUS=...".
  void notify(const std::string& state) const;
  // FDSTORE=1 under `name`; FDSTOREREMOVE=1 of every fd stored under `name`. Failures are logged: the
  // daemon serves on, only a death of the keeper would then lose what was not stored.
  void store(int fd, const std::string& name) const;
  void remove(const std::string& name) const;

 private:
  bool present_;
  bool fd_store_;
};

}  // namespace tollgate
