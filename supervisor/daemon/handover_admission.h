// Admits listeners handed over by `tollgate run --supervisor`. Root and the daemon's own user are trusted:
// their envelope's policy document decides, as sent. Other users the daemon lets in (--allow-uid) are not:
// a rootless user's calls reach a privileged supervisor, so the daemon decides them under one of its own
// policies (the envelope's metadata "policy", a name inside the policy directory, else the default), and
// drops every "tollgate." metadata key the peer sent (a policy path there would be re-read, as root, by
// `ctl reload`) except the mode. Their envelope's pid must be their own descendant.
#pragma once

#include <sys/socket.h>

#include <expected>
#include <filesystem>
#include <string>

#include "supervisor/decide/policy_source.h"
#include "supervisor/decide/shared_deciders.h"
#include "supervisor/socket/socket_server.h"  // is_trusted_peer
#include "supervisor/supervisor.h"
#include "tollgate/envelope.h"
#include "tollgate/unique_fd.h"

namespace tollgate {

// `pid` exists, is not init, and runs as `uid` (effective uid, as our user namespace sees it).
bool runs_as(pid_t pid, uid_t uid);

class HandoverAdmission {
 public:
  HandoverAdmission(Supervisor& supervisor, DaemonPolicies policies);
  // Error: why the listener was refused (the message goes back to the agent).
  std::expected<void, std::string> admit(HandoverEnvelope envelope, UniqueFd listener, const ucred& peer);

 private:
  std::expected<void, std::string> admit_trusted(HandoverEnvelope envelope, UniqueFd listener);
  std::expected<void, std::string> admit_untrusted(HandoverEnvelope envelope, UniqueFd listener, const ucred& peer);

  Supervisor& supervisor_;
  DaemonPolicies policies_;
  SharedDeciders shared_;  // enforce's deciders, one per policy document in use
};

}  // namespace tollgate
