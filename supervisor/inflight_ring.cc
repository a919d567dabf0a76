#include "supervisor/inflight_ring.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <utility>

namespace tollgate {
namespace {

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

std::expected<InflightSlot*, std::string> map_slots(int fd, size_t slots) {
  void* base = mmap(nullptr, slots * sizeof(InflightSlot), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) return std::unexpected(errno_text("mapping the in-flight record"));
  return static_cast<InflightSlot*>(base);
}

// How far a call had got: a slot further along describes it better than one behind.
int progress(InflightState state) {
  switch (state) {
    case InflightState::Receiving: return 1;
    case InflightState::Deciding: return 2;
    case InflightState::Held: return 3;
    case InflightState::Emulating: return 4;
    case InflightState::Emulated: return 5;
    case InflightState::Free: break;
  }
  return 0;
}

InflightState state_of(const InflightSlot& slot) {
  return static_cast<InflightState>(slot.state.load(std::memory_order_acquire));
}

void free_slot(InflightSlot& slot) {
  slot.state.store(static_cast<uint32_t>(InflightState::Free), std::memory_order_release);
}

}  // namespace

std::vector<InflightSlot*> calls_to_recover(std::span<InflightRing* const> rings) {
  // By (listener, notification id): the kernel never gives one listener's two calls the same id.
  std::map<std::pair<uint64_t, uint64_t>, InflightSlot*> calls;
  for (InflightRing* ring : rings) {
    for (size_t i = 0; i < ring->slot_count(); ++i) {
      InflightSlot& slot = ring->slot(i);
      const InflightState state = state_of(slot);
      if (progress(state) == 0) continue;  // free, or a state no daemon writes
      if (slot.notification.id == 0) {
        free_slot(slot);  // a RECV that received nothing
        continue;
      }
      auto [it, first] = calls.try_emplace({slot.listener_key, slot.notification.id}, &slot);
      if (first) continue;
      InflightSlot* behind = &slot;
      if (progress(state) > progress(state_of(*it->second))) std::swap(behind, it->second);
      free_slot(*behind);
    }
  }
  std::vector<InflightSlot*> slots;
  slots.reserve(calls.size());
  for (const auto& [_, slot] : calls) slots.push_back(slot);
  return slots;
}

std::expected<InflightRing, std::string> InflightRing::create(size_t loops) {
  UniqueFd fd(memfd_create("tollgate-inflight", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) return std::unexpected(errno_text("memfd_create"));
  const size_t slots = (loops == 0 ? 1 : loops) * kSlotsPerLoop;
  // Pages the daemon never touches cost nothing: most of the ring stays a hole.
  if (ftruncate(fd.get(), static_cast<off_t>(slots * sizeof(InflightSlot))) != 0)
    return std::unexpected(errno_text("sizing the in-flight record"));
  // Its size is what the next daemon trusts: nobody may change it.
  (void)fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
  auto base = map_slots(fd.get(), slots);
  if (!base) return std::unexpected(base.error());
  return InflightRing(std::move(fd), *base, slots);
}

std::expected<InflightRing, std::string> InflightRing::adopt(UniqueFd memfd) {
  struct stat st {};
  if (fstat(memfd.get(), &st) != 0) return std::unexpected(errno_text("the in-flight record"));
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0 || size % sizeof(InflightSlot) != 0 || (fcntl(memfd.get(), F_GET_SEALS) & F_SEAL_SHRINK) == 0)
    return std::unexpected("the in-flight record has the wrong size or is not sealed");
  auto base = map_slots(memfd.get(), size / sizeof(InflightSlot));
  if (!base) return std::unexpected(base.error());
  return InflightRing(std::move(memfd), *base, size / sizeof(InflightSlot));
}

InflightRing::InflightRing(InflightRing&& other) noexcept
    : fd_(std::move(other.fd_)),
      base_(std::exchange(other.base_, nullptr)),
      slots_(std::exchange(other.slots_, 0)) {}

InflightRing& InflightRing::operator=(InflightRing&& other) noexcept {
  if (this != &other) {
    if (base_ != nullptr) munmap(base_, slots_ * sizeof(InflightSlot));
    fd_ = std::move(other.fd_);
    base_ = std::exchange(other.base_, nullptr);
    slots_ = std::exchange(other.slots_, 0);
  }
  return *this;
}

InflightRing::~InflightRing() {
  if (base_ != nullptr) munmap(base_, slots_ * sizeof(InflightSlot));
}

LoopInflight::LoopInflight(InflightSlot* first, size_t count) : hot_(first) {
  free_.reserve(count - 1);
  for (size_t i = count; i-- > 1;) free_.push_back(first + i);
}

InflightSlot* LoopInflight::keep_pending(InflightState state) {
  InflightSlot* slot = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (free_.empty()) return nullptr;
    slot = free_.back();
    free_.pop_back();
  }
  slot->listener_key = hot_->listener_key;
  slot->started_ns = hot_->started_ns;
  slot->notification = hot_->notification;
  slot->state.store(static_cast<uint32_t>(state), std::memory_order_release);
  return slot;
}

void LoopInflight::release(InflightSlot* slot) {
  slot->state.store(static_cast<uint32_t>(InflightState::Free), std::memory_order_release);
  std::lock_guard lock(mutex_);
  free_.push_back(slot);
}

}  // namespace tollgate
