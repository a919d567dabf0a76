#include "supervisor/keeper/keeper_client.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "core/file_text.h"

namespace tollgate {
namespace {

nlohmann::json peer_json(const ucred& peer) {
  return {{"pid", peer.pid}, {"uid", peer.uid}, {"gid", peer.gid}};
}

std::optional<int> fd_from_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  int fd = -1;
  const std::string_view v(value);
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), fd);
  if (ec != std::errc{} || end != v.data() + v.size() || fd < 0) return -1;
  return fd;
}

}  // namespace

nlohmann::json agent_admission_record(const HandoverEnvelope& envelope, const ucred& peer) {
  return {{"kind", "agent"}, {"envelope", serialize_envelope(envelope)}, {"peer", peer_json(peer)}};
}

nlohmann::json oci_admission_record(const OciProcessState& state, const ucred& peer) {
  return {{"kind", "oci"}, {"state", oci_process_state_json(state)}, {"peer", peer_json(peer)}};
}

std::expected<std::optional<std::unique_ptr<KeeperClient>>, std::string> KeeperClient::from_environment() {
  const std::optional<int> channel = fd_from_env(kKeeperChannelEnv);
  const std::optional<int> manifest_fd = fd_from_env(kKeeperManifestEnv);
  unsetenv(kKeeperChannelEnv);
  unsetenv(kKeeperManifestEnv);
  if (!channel && !manifest_fd) return std::optional<std::unique_ptr<KeeperClient>>();
  if (!channel || !manifest_fd || *channel < 0 || *manifest_fd < 0)
    return std::unexpected(std::string("keeper: ") + kKeeperChannelEnv + " and " + kKeeperManifestEnv +
                           " must both name an fd");
  std::unique_ptr<KeeperClient> client(new KeeperClient(UniqueFd(*channel)));
  UniqueFd manifest(*manifest_fd);
  // Inherited without close-on-exec: no target may keep them.
  (void)fcntl(client->channel_.get(), F_SETFD, FD_CLOEXEC);
  auto text = read_to_end(manifest.get());
  if (!text)
    return std::unexpected(std::string("keeper: reading the manifest: ") + std::strerror(text.error()));
  auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  auto parsed = parse_manifest(j);
  if (!parsed) return std::unexpected(parsed.error());
  client->manifest_ = std::move(*parsed);
  for (const auto& s : client->manifest_.sockets) (void)fcntl(s.fd, F_SETFD, FD_CLOEXEC);
  for (const auto& l : client->manifest_.listeners) (void)fcntl(l.fd, F_SETFD, FD_CLOEXEC);
  for (const auto& r : client->manifest_.rings) (void)fcntl(r.fd, F_SETFD, FD_CLOEXEC);
  return std::optional(std::move(client));
}

void KeeperClient::send(const nlohmann::json& body, int fd) {
  if (auto sent = send_keeper_message(channel_.get(), body, fd); !sent)
    spdlog::error("telling the keeper {}: {}",
                  body.value("keep", body.contains("forget") ? "forget" : "news"),
                  std::strerror(sent.error()));
}

uint64_t KeeperClient::keep(int listener_fd) {
  if (readmitting_ != 0) return readmitting_;
  if (!admitting_) return 0;
  // Keys never repeat across daemons: the generation is in the high bits.
  const uint64_t key = (generation() << 40) | next_key_.fetch_add(1);
  nlohmann::json body = {{"keep", "listener"}, {"key", key}, {"record", *admitting_}};
  if (auto sent = send_keeper_message(channel_.get(), body, listener_fd); !sent) {
    // Served all the same; only a restart of this daemon would lose it.
    spdlog::warn("the keeper cannot hold a listener (pid {}): {}", admitting_->at("peer").value("pid", 0),
                 std::strerror(sent.error()));
    return 0;
  }
  return key;
}

void KeeperClient::forget(uint64_t key) {
  send({{"forget", key}});
}

void KeeperClient::keep_socket(const std::string& name, const std::string& path, int fd) {
  if (fd >= 0) send({{"keep", "socket"}, {"name", name}, {"path", path}}, fd);
}

std::expected<InflightRing*, std::string> KeeperClient::make_ring(size_t loops) {
  auto ring = InflightRing::create(loops);
  if (!ring) return std::unexpected(ring.error());
  ring_.emplace(std::move(*ring));
  send({{"keep", "ring"}, {"ring", generation()}}, ring_->fd());
  return &*ring_;
}

void KeeperClient::drop_ring(uint64_t id) {
  send({{"drop", "ring"}, {"ring", id}});
}

void KeeperClient::ready() {
  send({{"ready", true}});
}

void KeeperClient::watch(uv_loop_t* loop, Requests requests) {
  requests_ = std::move(requests);
  poll_.data = this;
  quiet_timer_.data = this;
  if (uv_poll_init(loop, &poll_, channel_.get()) != 0) return;
  uv_timer_init(loop, &quiet_timer_);
  open_handles_ = 2;
  watching_ = true;
  uv_poll_start(&poll_, UV_READABLE | UV_DISCONNECT, &KeeperClient::on_readable);
}

void KeeperClient::on_readable(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<KeeperClient*>(handle->data);
  while (status == 0) {
    auto m = receive_keeper_message(self->channel_.get());
    if (!m) {
      if (m.error() == EAGAIN) return;
      if (m.error() == EBADMSG) continue;
      break;
    }
    if (m->body.value("quiesce", false)) {
      self->requests_.quiesce();
      uv_timer_start(&self->quiet_timer_, &KeeperClient::on_quiet_check, 0, 5);
    } else if (m->body.value("resume", false)) {
      uv_timer_stop(&self->quiet_timer_);
      self->requests_.resume();
      spdlog::warn("the upgrade failed: this daemon serves on");
    }
  }
  (void)events;
  // The keeper is gone: this daemon serves on, but its own death would now fail every target closed.
  spdlog::error("the keeper has gone away: a crash of this daemon can no longer be recovered from");
  uv_poll_stop(&self->poll_);
}

void KeeperClient::on_quiet_check(uv_timer_t* timer) {
  auto* self = static_cast<KeeperClient*>(timer->data);
  if (!self->requests_.quiet()) return;
  uv_timer_stop(timer);
  self->send({{"quiesced", true}});
}

std::expected<void, std::string> KeeperClient::request_upgrade() {
  if (auto sent = send_keeper_message(channel_.get(), {{"upgrade", true}}); !sent)
    return std::unexpected(std::string("telling the keeper: ") + std::strerror(sent.error()));
  return {};
}

void KeeperClient::on_closed(uv_handle_t* handle) {
  static_cast<KeeperClient*>(handle->data)->open_handles_--;
}

void KeeperClient::close() {
  if (!watching_) return;
  watching_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), &KeeperClient::on_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&quiet_timer_), &KeeperClient::on_closed);
}

}  // namespace tollgate
