// The daemon's side of the keeper (keeper_process.h): what it was handed at start (KeeperManifest), and
// everything it must keep from then on. It is the Supervisor's ListenerKeeper: each listener admitted is
// sent to the keeper with the record of its admission (the message its peer sent, and who the peer was), so
// that the next daemon admits it again exactly as this one did.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <expected>
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

 private:
  explicit KeeperClient(UniqueFd channel) : channel_(std::move(channel)) {}
  void send(const nlohmann::json& body, int fd = -1);

  UniqueFd channel_;
  KeeperManifest manifest_;
  std::optional<nlohmann::json> admitting_;
  uint64_t readmitting_ = 0;
  std::atomic<uint64_t> next_key_{1};
  std::optional<InflightRing> ring_;
};

}  // namespace tollgate
