// A raw control-socket client for tests: sends whatever it is given (including garbage) and reads lines.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace tollgate::testing {

class ControlTestClient {
 public:
  // Connects; connected() is false when connect(2) failed (errno kept in connect_errno()).
  explicit ControlTestClient(const std::string& path);
  ~ControlTestClient();
  ControlTestClient(const ControlTestClient&) = delete;
  ControlTestClient& operator=(const ControlTestClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  int connect_errno() const { return connect_errno_; }
  int fd() const { return fd_; }
  // Sends raw bytes; false once the peer is gone.
  bool send_raw(const std::string& bytes);
  // The next line, or nullopt on EOF or timeout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // One request line out, its reply line in, parsed (a discarded json when anything failed).
  nlohmann::json request(const nlohmann::json& req,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the daemon hung up (EOF) within `timeout`, after draining what it sent.
  bool closed_by_peer(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  int fd_ = -1;
  int connect_errno_ = 0;
  std::string buffer_;
};

}  // namespace tollgate::testing
