#include "supervisor/target_info.h"

#include <spdlog/spdlog.h>

namespace tollgate {

ContainerMembership::ContainerMembership(std::shared_ptr<ContainerRecord> record)
    : record_(std::move(record)) {
  ++record_->listeners;
}

ContainerMembership::~ContainerMembership() {
  if (--record_->listeners != 0) return;
  spdlog::info("container {}: last supervised process gone, released", record_->id);
  if (!record_->on_released) return;
  try {
    record_->on_released(*record_);
  } catch (const std::exception& e) {  // a destructor must not throw; the report is lost, the daemon is not
    spdlog::error("container {}: {}", record_->id, e.what());
  }
}

std::vector<std::string> shown_command(const TargetInfo& target) {
  if (!target.argv.empty() || !target.process) return target.argv;
  return current_command(*target.process);
}

nlohmann::json container_json(const TargetInfo& target) {
  if (!target.container) return nullptr;
  return {{"id", target.container->container().id}, {"bundle", target.container->container().bundle}};
}

}  // namespace tollgate
