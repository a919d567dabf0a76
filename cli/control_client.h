// The client side of the control socket (docs/control-protocol.md): one request line out, reply lines in.
#pragma once

#include <chrono>
#include <expected>
#include <nlohmann/json.hpp>
#include <string>

#include "tollgate/unique_fd.h"

namespace tollgate {

class ControlClient {
 public:
  // Error: a message naming the socket.
  static std::expected<ControlClient, std::string> connect(const std::string& path);

  std::expected<void, std::string> send(const nlohmann::json& request);
  // The next line as JSON; waits at most `timeout` (forever when negative). Error: EOF, timeout, bad JSON.
  std::expected<nlohmann::json, std::string> receive(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  explicit ControlClient(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
  std::string buffer_;
};

}  // namespace tollgate
