// The calls a daemon has received and not yet answered, written where its death cannot erase them: a memfd
// shared with the keeper (supervisor/keeper/), which hands it to the next daemon. A received notification
// is never delivered twice by the kernel, so without this record a call received by a daemon that then died
// would wait until its caller is killed. Writing a record is a few stores to shared memory: no syscall on
// the hot path.
//
// Each serving loop owns a range of slots. Its first slot is the call being decided on the loop thread (one
// at a time); the others hold the calls that outlive that step: emulations, and calls held by "ask" rules.
#pragma once

#include <linux/seccomp.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "tollgate/unique_fd.h"

namespace tollgate {

enum class InflightState : uint32_t {
  Free = 0,
  // RECV is under way into the slot itself: a notification is in it if its id is not 0. The kernel hands a
  // notification over once, as the ioctl returns, and a SIGKILL that arrives meanwhile ends the process
  // right after; only a record the kernel itself wrote survives that.
  Receiving = 4,
  Deciding = 1,   // received; no answer and no side effect yet: the next daemon decides it again
  Emulating = 2,  // a handler may have acted: the next daemon fails it closed (EPERM), never does it twice
  Held = 3,       // held by an "ask" rule since started_ns: the next daemon holds it again
  // The handler is done and its answer is in the slot (answer_error, answer_value), about to be sent: the
  // next daemon sends that answer, so a mount that was done is reported done, once.
  Emulated = 5,
};

struct InflightSlot {
  std::atomic<uint32_t> state;  // InflightState; written last (release), read first (acquire)
  int32_t answer_error;         // Emulated: the errno answered, or 0 for answer_value
  uint64_t listener_key;        // the keeper's name for the listener (TargetInfo::keeper_key)
  uint64_t started_ns;          // CLOCK_MONOTONIC, the same in every process: a held call keeps its age
  int64_t answer_value;         // Emulated
  seccomp_notif notification;
};
static_assert(std::atomic<uint32_t>::is_always_lock_free);

// A whole record (an fd-sized memfd mapped shared). Move-only; unmaps on destruction.
class InflightRing {
 public:
  static constexpr size_t kSlotsPerLoop = 1024;

  // A new, zeroed ring for `loops` serving loops. Error: the syscall that failed.
  static std::expected<InflightRing, std::string> create(size_t loops);
  // A ring an earlier daemon wrote (from the keeper). Error: it is not one.
  static std::expected<InflightRing, std::string> adopt(UniqueFd memfd);

  InflightRing(InflightRing&& other) noexcept;
  InflightRing& operator=(InflightRing&& other) noexcept;
  ~InflightRing();

  int fd() const { return fd_.get(); }
  size_t slot_count() const { return slots_; }
  InflightSlot& slot(size_t i) { return base_[i]; }

 private:
  InflightRing(UniqueFd fd, InflightSlot* base, size_t slots)
      : fd_(std::move(fd)), base_(base), slots_(slots) {}
  UniqueFd fd_;
  InflightSlot* base_ = nullptr;
  size_t slots_ = 0;
};

// The calls left in the records of daemons that died (or were upgraded), each once. One call can be in two
// slots at a time: the hot slot and the pending slot it moves to (keep_pending), or an older daemon's record
// and the record of the daemon that was taking it over when it died too. Of those the one furthest along
// wins, so that an emulation that may have acted fails closed rather than being decided and done again; the
// other slots, and Receiving slots into which nothing was received, are freed.
std::vector<InflightSlot*> calls_to_recover(std::span<InflightRing* const> rings);

// One serving loop's range of a ring.
class LoopInflight {
 public:
  LoopInflight(InflightSlot* first, size_t count);

  // Loop thread: the buffer the next RECV on that listener writes into (zeroed, as the kernel wants it).
  seccomp_notif& receiving(uint64_t listener_key) {
    hot_->listener_key = listener_key;
    hot_->notification = seccomp_notif{};
    hot_->state.store(static_cast<uint32_t>(InflightState::Receiving), std::memory_order_release);
    return hot_->notification;
  }
  // Loop thread: the call now being decided, and its end (answered, or moved to a pending slot).
  void deciding(uint64_t listener_key, const seccomp_notif& notification, uint64_t started_ns) {
    hot_->listener_key = listener_key;
    hot_->started_ns = started_ns;
    // Received through receiving(), the notification is in the slot already: copied only when recovered.
    if (&notification != &hot_->notification) hot_->notification = notification;
    hot_->state.store(static_cast<uint32_t>(InflightState::Deciding), std::memory_order_release);
  }
  void decided() { hot_->state.store(static_cast<uint32_t>(InflightState::Free), std::memory_order_release); }

  // Loop thread: the call being decided outlives this step (emulated or held). Written before the hot slot
  // is freed, so that at every moment one slot or both describe it. Null when every slot is taken: the call
  // is then served unrecorded (and lost only if the daemon dies before answering it).
  InflightSlot* keep_pending(InflightState state);
  // Any thread: the pending emulation's answer, about to be sent (InflightState::Emulated).
  static void emulated(InflightSlot* slot, int error, int64_t value) {
    slot->answer_error = error;
    slot->answer_value = value;
    slot->state.store(static_cast<uint32_t>(InflightState::Emulated), std::memory_order_release);
  }
  // Any thread: the pending call was answered.
  void release(InflightSlot* slot);

 private:
  InflightSlot* hot_;
  std::mutex mutex_;
  std::vector<InflightSlot*> free_;
};

}  // namespace tollgate
