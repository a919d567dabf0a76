// The keeper and its daemon talk over a private SOCK_SEQPACKET socketpair: one JSON object per message, and
// at most one fd in SCM_RIGHTS (plus, for a message too large to send inline, the memfd that holds it:
// send_keeper_message and receive_keeper_message do that on their own). Only the daemon sends; the keeper
// never needs to answer, since what a new daemon needs it inherits at exec (KeeperManifest).
//
//   {"keep":"listener","key":K,"record":{...}} + fd   a listener to hand the next daemon, and how it was
//   admitted
//   {"forget":K}                                      the daemon closed it for good
//   {"keep":"socket","name":"handover","path":P} + fd a listening socket
//   {"keep":"ring","ring":G} + fd                     the daemon's in-flight record
//   (supervisor/inflight_ring.h)
//   {"drop":"ring","ring":G}                          every call an earlier record held is answered again
//   {"ready":true}                                    serving; earlier crashes stop counting against it
#pragma once

#include <cstdint>
#include <expected>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tollgate/unique_fd.h"

namespace tollgate {

// Environment of a daemon started by a keeper (unset by the daemon as it reads them).
inline constexpr const char* kKeeperChannelEnv = "TOLLGATE_KEEPER_CHANNEL";
inline constexpr const char* kKeeperManifestEnv = "TOLLGATE_KEEPER_MANIFEST";

// Largest message sent inline (what a socket buffer holds): a listener's record is its handover message,
// which rarely passes a few KB. A larger one (a policy of hundreds of KB inline in the envelope) goes in a
// sealed memfd sent alongside, up to kMaxKeeperMessageInMemfd (the 4 MiB handover cap, and JSON escaping).
inline constexpr size_t kMaxKeeperMessage = 192 * 1024;
inline constexpr size_t kMaxKeeperMessageInMemfd = 32 << 20;

struct KeeperMessage {
  nlohmann::json body;
  UniqueFd fd;  // empty when none came
};

// Error: errno. Blocking; `fd` < 0 sends none.
std::expected<void, int> send_keeper_message(int channel, const nlohmann::json& body, int fd = -1);
// One message, without blocking. Error: EAGAIN when there is none, 0 at the end of the channel, or errno; a
// message that is not JSON is reported as EBADMSG.
std::expected<KeeperMessage, int> receive_keeper_message(int channel);

// What a new daemon inherits: the sockets, the listeners and the in-flight records, each with the fd number
// it has in the new process (the keeper's own, inherited across fork and exec).
struct KeeperManifest {
  struct Socket {
    std::string name, path;
    int fd = -1;
  };
  struct KeptListener {
    uint64_t key = 0;
    int fd = -1;
    nlohmann::json record;
  };
  struct Ring {
    uint64_t id = 0;
    int fd = -1;
  };
  uint64_t generation = 1;  // 1 for the first daemon, +1 for each one started after it
  std::vector<Socket> sockets;
  std::vector<KeptListener> listeners;
  std::vector<Ring> rings;
};

nlohmann::json manifest_json(const KeeperManifest& manifest);
// Error: which field is wrong (the manifest is the keeper's own, so this means a version mismatch).
std::expected<KeeperManifest, std::string> parse_manifest(const nlohmann::json& j);

}  // namespace tollgate
