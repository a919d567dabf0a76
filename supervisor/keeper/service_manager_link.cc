#include "supervisor/keeper/service_manager_link.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace tollgate {
namespace {

constexpr std::string_view kListener = "kept-listener-", kRing = "kept-ring-", kState = "kept-state-";

std::optional<uint64_t> number_after(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return std::nullopt;
  const std::string_view digits = name.substr(prefix.size());
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return n;
}

}  // namespace

std::string stored_listener_name(uint64_t key) {
  return std::string(kListener) + std::to_string(key);
}
std::string stored_ring_name(uint64_t id) {
  return std::string(kRing) + std::to_string(id);
}
std::string stored_state_name(uint64_t number) {
  return std::string(kState) + std::to_string(number);
}

std::optional<StoredFdName> parse_stored_fd_name(std::string_view name) {
  if (auto n = number_after(name, kListener)) return StoredFdName{StoredFdName::kListener, *n};
  if (auto n = number_after(name, kRing)) return StoredFdName{StoredFdName::kRing, *n};
  if (auto n = number_after(name, kState)) return StoredFdName{StoredFdName::kState, *n};
  return std::nullopt;
}

ServiceManagerLink::ServiceManagerLink(bool fd_store)
    : present_(std::getenv("NOTIFY_SOCKET") != nullptr), fd_store_(fd_store) {
  if (fd_store_ && !present_)
    spdlog::warn("keeper: --fd-store: no service manager to store in (NOTIFY_SOCKET is not set)");
}

void ServiceManagerLink::notify(const std::string& state) const {
  if (present_) (void)sd_notify(0, state.c_str());
}

void ServiceManagerLink::store(int fd, const std::string& name) const {
  if (!storing()) return;
  const std::string message = "FDSTORE=1\nFDNAME=" + name;
  // FDPOLL stays on (the default): systemd drops a listener from the store by itself once it hangs up.
  const int r = sd_pid_notify_with_fds(0, 0, message.c_str(), &fd, 1);
  if (r <= 0)
    spdlog::error("keeper: storing {} with the service manager: {}", name,
                  r == 0 ? "NOTIFY_SOCKET is not set" : std::strerror(-r));
}

void ServiceManagerLink::remove(const std::string& name) const {
  if (!storing()) return;
  const std::string message = "FDSTOREREMOVE=1\nFDNAME=" + name;
  if (const int r = sd_notify(0, message.c_str()); r < 0)
    spdlog::error("keeper: removing {} from the service manager's store: {}", name, std::strerror(-r));
}

}  // namespace tollgate
