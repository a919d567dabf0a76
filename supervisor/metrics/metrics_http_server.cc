#include "supervisor/metrics/metrics_http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

#include "supervisor/metrics/exposition_text.h"
#include "tollgate/unique_fd.h"

namespace tollgate {
namespace {

constexpr unsigned kMaxConnections = 16;
constexpr unsigned kConnectionTimeoutSeconds = 10;

// "127.0.0.1:9464" or "[::1]:9464" into a socket address. Error: what is wrong with it.
std::expected<sockaddr_storage, std::string> parse_address(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return std::unexpected("expected HOST:PORT, e.g. 127.0.0.1:9464");
  std::string host = address.substr(0, colon);
  const std::string port_text = address.substr(colon + 1);
  uint16_t port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size())
    return std::unexpected("\"" + port_text + "\" is not a port number");
  sockaddr_storage storage{};
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &in6->sin6_addr) == 1) return storage;
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    if (inet_pton(AF_INET, host.c_str(), &in->sin_addr) == 1) return storage;
  }
  return std::unexpected("\"" + host + "\" is not a numeric IPv4 address or [IPv6] address");
}

// Bound and listening here rather than by libmicrohttpd, so that the error names the address and port 0
// can be read back.
std::expected<UniqueFd, std::string> listen_tcp(const sockaddr_storage& address, uint16_t& port) {
  UniqueFd fd(socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return std::unexpected(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const socklen_t len = address.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), len) != 0)
    return std::unexpected(std::string("bind: ") + std::strerror(errno));
  if (listen(fd.get(), 16) != 0) return std::unexpected(std::string("listen: ") + std::strerror(errno));
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &bound_len);
  port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                           : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return fd;
}

MHD_Result respond(MHD_Connection* connection, unsigned status, std::string_view content_type,
                   const std::string& body) {
  MHD_Response* response =
      MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, std::string(content_type).c_str());
  const MHD_Result queued = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return queued;
}

// libmicrohttpd's request callback, on the loop thread (inside MHD_run). A C callback: nothing may throw
// out of it.
MHD_Result on_request(void* render_ptr, MHD_Connection* connection, const char* url, const char* method,
                      const char*, const char*, size_t* upload_size, void**) {
  const auto& render = *static_cast<const MetricsHttpServer::Render*>(render_ptr);
  try {
    if (*upload_size != 0) {  // a body nobody asked for: ignore it, answer once it is read
      *upload_size = 0;
      return MHD_YES;
    }
    if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0)
      return respond(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "only GET /metrics\n");
    if (std::strcmp(url, "/metrics") != 0)
      return respond(connection, MHD_HTTP_NOT_FOUND, "text/plain",
                     "tollgate serves its metrics at /metrics\n");
    return respond(connection, MHD_HTTP_OK, kExpositionContentType, render());
  } catch (...) {
    return MHD_NO;  // libmicrohttpd drops the connection; the daemon carries on
  }
}

}  // namespace

std::expected<std::unique_ptr<MetricsHttpServer>, std::string> MetricsHttpServer::start(
    uv_loop_t* loop, const std::string& address, Render render) {
  auto parsed = parse_address(address);
  if (!parsed) return std::unexpected("--metrics-address " + address + ": " + parsed.error());
  std::unique_ptr<MetricsHttpServer> server(new MetricsHttpServer(std::move(render)));
  auto socket = listen_tcp(*parsed, server->port_);
  if (!socket) return std::unexpected("--metrics-address " + address + ": " + socket.error());
  // No MHD_USE_INTERNAL_POLLING_THREAD: libmicrohttpd does its work only inside MHD_run, called from the
  // loop below. MHD_USE_EPOLL gives one fd that is readable whenever anything is ready.
  server->daemon_ =
      MHD_start_daemon(MHD_USE_EPOLL, 0, nullptr, nullptr, &on_request, &server->render_,
                       MHD_OPTION_LISTEN_SOCKET, socket->get(), MHD_OPTION_CONNECTION_LIMIT, kMaxConnections,
                       MHD_OPTION_CONNECTION_TIMEOUT, kConnectionTimeoutSeconds, MHD_OPTION_END);
  if (server->daemon_ == nullptr)
    return std::unexpected("--metrics-address " + address + ": cannot start the HTTP server");
  (void)socket->release();  // libmicrohttpd closes it in MHD_stop_daemon
  const MHD_DaemonInfo* info = MHD_get_daemon_info(server->daemon_, MHD_DAEMON_INFO_EPOLL_FD);
  if (info == nullptr) {
    MHD_stop_daemon(server->daemon_);
    server->daemon_ = nullptr;
    return std::unexpected("--metrics-address " + address + ": libmicrohttpd has no epoll fd");
  }
  uv_poll_init(loop, &server->poll_, info->epoll_fd);
  uv_timer_init(loop, &server->timer_);
  server->poll_.data = server.get();
  server->timer_.data = server.get();
  server->handles_open_ = true;
  uv_poll_start(&server->poll_, UV_READABLE, &MetricsHttpServer::on_readable);
  server->run();
  return server;
}

MetricsHttpServer::~MetricsHttpServer() {
  // The owner closed us and let the loop run the close callbacks; a daemon still here was never polled.
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

void MetricsHttpServer::close() {
  if (!handles_open_) return;
  handles_open_ = false;
  // libuv stops watching the epoll fd at once; only then may libmicrohttpd close it.
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
}

void MetricsHttpServer::on_readable(uv_poll_t* handle, int, int) {
  static_cast<MetricsHttpServer*>(handle->data)->run();
}

void MetricsHttpServer::on_timer(uv_timer_t* handle) {
  static_cast<MetricsHttpServer*>(handle->data)->run();
}

void MetricsHttpServer::run() {
  if (daemon_ == nullptr) return;
  MHD_run(daemon_);
  MHD_UNSIGNED_LONG_LONG timeout_ms = 0;
  if (MHD_get_timeout(daemon_, &timeout_ms) == MHD_YES)
    uv_timer_start(&timer_, &MetricsHttpServer::on_timer, timeout_ms, 0);
  else
    uv_timer_stop(&timer_);
}

}  // namespace tollgate
