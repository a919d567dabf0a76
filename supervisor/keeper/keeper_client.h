// The daemon's side of the keeper (keeper_process.h): what it was handed at start (KeeperManifest), and
// everything it must keep from then on. It is the Supervisor's ListenerKeeper: each listener admitted is
// sent to the keeper with the record of its admission (the message its peer sent, and who the peer was), so
// that the next daemon admits it again exactly as this one did.
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <atomic>
#include <expected>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/oci_state.h"
#include "supervisor/inflight_ring.h"
#include "supervisor/keeper/keeper_channel.h"
#include "supervisor/listener_keeper.h"
#include "tollgate/envelope.h"

namespace tollgate {

// How a listener was admitted, as the keeper stores it.
nlohmann::json agent_admission_record(const HandoverEnvelope& envelope, const ucred& peer);
nlohmann::json oci_admission_record(const OciProcessState& state, const ucred& peer);

class KeeperClient final : public ListenerKeeper {
 public:
  // The keeper that started this process, from the environment (which is then cleared, so that no target
  // inherits it). nullopt: no keeper started us. Error: the environment or manifest is unusable.
  static std::expected<std::optional<std::unique_ptr<KeeperClient>>, std::string> from_environment();

  KeeperManifest& manifest() { return manifest_; }
  uint64_t generation() const { return manifest_.generation; }

  // The record the next keep() sends with its listener: set around one admission (main loop).
  void admitting(nlohmann::json record) { admitting_ = std::move(record); }
  // Re-admitting a listener the keeper holds: keep() names it `key` and sends nothing.
  void readmitting(uint64_t key) { readmitting_ = key; }
  void admitted() {
    admitting_.reset();
    readmitting_ = 0;
  }

  uint64_t keep(int listener_fd) override;
  void forget(uint64_t key) override;
  // A listening socket, under its activation name (handover, oci, control).
  void keep_socket(const std::string& name, const std::string& path, int fd);
  // This daemon's in-flight record, created here for `loops` serving loops and kept by the keeper.
  std::expected<InflightRing*, std::string> make_ring(size_t loops);
  void drop_ring(uint64_t id);
  void ready();

  // What the keeper may ask of this daemon during an upgrade: stop accepting and receiving (`quiesce`),
  // then, once `quiet` holds (no emulation running), it tells the keeper, which starts the successor and
  // stops this daemon when the successor serves, or asks it to `resume` when the successor failed.
  struct Requests {
    std::function<void()> quiesce;
    std::function<bool()> quiet;
    std::function<void()> resume;
  };
  // Main loop: hears the keeper from now on.
  void watch(uv_loop_t* loop, Requests requests);
  // `ctl upgrade`: asks the keeper to start the binary on disk in this daemon's place.
  std::expected<void, std::string> request_upgrade();
  // Main loop, before it ends: stops hearing the keeper.
  void close();

 private:
  static void on_readable(uv_poll_t* handle, int status, int events);
  static void on_quiet_check(uv_timer_t* timer);
  static void on_closed(uv_handle_t* handle);
  explicit KeeperClient(UniqueFd channel) : channel_(std::move(channel)) {}
  void send(const nlohmann::json& body, int fd = -1);

  UniqueFd channel_;
  KeeperManifest manifest_;
  std::optional<nlohmann::json> admitting_;
  uint64_t readmitting_ = 0;
  std::atomic<uint64_t> next_key_{1};
  std::optional<InflightRing> ring_;
  Requests requests_;
  uv_poll_t poll_{};
  uv_timer_t quiet_timer_{};
  int open_handles_ = 0;
  bool watching_ = false;
};

}  // namespace tollgate
