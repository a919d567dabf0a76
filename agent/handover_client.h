// Agent side of the handover: connect to a supervisor, send the envelope with the listener attached,
// wait for its verdict.
#pragma once

#include <chrono>
#include <expected>
#include <string>

#include "tollgate/envelope.h"

namespace tollgate {

// Error: a message for the user (connection refused, the supervisor's own error text, a timeout).
std::expected<void, std::string> hand_over_listener(const std::string& socket_path, const HandoverEnvelope& envelope,
                                                   int listener_fd,
                                                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace tollgate
