// A minimal HTTP/1.0 GET on 127.0.0.1 for the metrics tests (no curl on the test machines): the response's
// status line and body, read to EOF within a time limit.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace tollgate::testing {

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

// nullopt when nothing answers on the port (yet) or the answer is not HTTP.
std::optional<HttpResponse> http_get(uint16_t port, const std::string& path,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A TCP port on 127.0.0.1 that nothing listens on right now (for servers that cannot report theirs).
uint16_t free_tcp_port();

// "a b" -> "a%20b": for query strings.
std::string url_encode(const std::string& text);

}  // namespace tollgate::testing
