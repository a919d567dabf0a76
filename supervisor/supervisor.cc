#include "supervisor/supervisor.h"

#include <fcntl.h>
#include <sched.h>
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <thread>

#include "core/host_dirs.h"
#include "supervisor/listener.h"

namespace tollgate {

unsigned default_loop_count() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (sched_getaffinity(0, sizeof cpus, &cpus) != 0) return 1;
  const int n = CPU_COUNT(&cpus);
  return n > 0 ? static_cast<unsigned>(n) : 1;
}

Supervisor::Supervisor(uv_loop_t* main_loop, EventLog& events, unsigned loops)
    : events_(events), main_executor_(main_loop), main_thread_(std::this_thread::get_id()) {
  // Before any loop thread moves into a caller's namespaces: every later read of the daemon's own /proc
  // goes through these.
  open_host_dirs();
  home_ns_.reset(openat(host_proc(), "self/ns/mnt", O_RDONLY | O_CLOEXEC));
  if (!home_ns_)
    spdlog::error("opening the daemon's own mount namespace failed; file system emulations will be denied");
  if (loops == 0) loops = default_loop_count();
  loops_.reserve(loops);
  for (unsigned i = 0; i < loops; ++i) {
    loops_.push_back(std::make_unique<ServingLoop>(*this, i, home_ns_.get()));
    if (auto started = loops_.back()->start(); !started) {
      loops_.pop_back();
      close_all();
      throw std::runtime_error(started.error());
    }
  }
}

Supervisor::~Supervisor() {
  close_all();
}

ServingLoop& Supervisor::loop_for(const TargetInfo& target) {
  // A container's listeners share a loop: its calls stay in order on one thread, and its decider (audit
  // and learn record into theirs) is only ever used by that thread.
  if (target.container)
    return *loops_[std::hash<std::string>{}(target.container->container().id) % loops_.size()];
  return *loops_[next_loop_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
}

std::expected<void, std::string> Supervisor::add_listener(UniqueFd listener, TargetInfo target,
                                                          std::shared_ptr<const Decider> decider) {
  if (closed_) return std::unexpected("the supervisor is stopping");
  notify_set_sync_wakeup(listener.get());  // quietly absent before Linux 6.6
  if (keeper_ != nullptr && target.keeper_key == 0) target.keeper_key = keeper_->keep(listener.get());
  loop_for(target).add_listener(std::move(listener), std::move(target), std::move(decider));
  return {};
}

void Supervisor::set_keeper(ListenerKeeper* keeper, InflightRing& ring) {
  keeper_ = keeper;
  const size_t per_loop = ring.slot_count() / loops_.size();
  for (size_t i = 0; i < loops_.size(); ++i) loops_[i]->record_inflight(&ring.slot(i * per_loop), per_loop);
}

void Supervisor::recover(std::span<InflightRing* const> old, std::function<void(size_t handled)> done) {
  auto slots = std::make_shared<const std::vector<InflightSlot*>>(calls_to_recover(old));
  struct Tally {
    size_t loops_left;
    size_t handled = 0;
    std::function<void(size_t)> done;
  };
  auto tally = std::make_shared<Tally>(Tally{loops_.size(), 0, std::move(done)});
  for (auto& loop : loops_)
    loop->recover(slots, [this, tally](size_t handled) {
      post([tally, handled] {
        tally->handled += handled;
        if (--tally->loops_left == 0) tally->done(tally->handled);
      });
    });
}

void Supervisor::set_receiving(bool receiving, std::function<void()> done) {
  auto left = std::make_shared<std::pair<size_t, std::function<void()>>>(loops_.size(), std::move(done));
  for (auto& loop : loops_)
    loop->set_receiving(receiving, [this, left] {
      post([left] {
        if (--left->first == 0 && left->second) left->second();
      });
    });
}

void Supervisor::complete(const PendingCallPtr& call, Decision decision) {
  call->listener()->owner().complete(call, std::move(decision));
}

void Supervisor::ask(PendingCallPtr call) {
  post([this, call = std::move(call)]() mutable {
    if (AsyncDecider* asker = asker_.load()) {
      asker->begin(std::move(call));
      return;
    }
    // The control socket went away meanwhile: the rule's default applies.
    complete(call, ask_default(call->decision(), "ask: no interactive channel, default allow",
                               "ask: no interactive channel, default deny"));
  });
}

void Supervisor::tap(const DecisionEvent& event) {
  nlohmann::json j = decision_event_json(event);
  if (std::this_thread::get_id() == main_thread_ && !main_executor_.running()) {
    // A held call answered from the main loop: its decision reaches the watchers before what the caller of
    // complete() says next ("answered"), after what the loops posted earlier.
    main_executor_.run_pending();
    if (EventTap* tap = tap_.load()) tap->decided(std::move(j));
    return;
  }
  post([this, j = std::move(j)]() mutable {
    if (EventTap* tap = tap_.load()) tap->decided(std::move(j));
  });
}

void Supervisor::close_all() {
  if (closed_) return;
  closed_ = true;
  for (auto& loop : loops_) loop->close();
  for (auto& loop : loops_) loop->join();
  // What the loops posted while finishing (events for watchers, released containers' reports) runs now.
  main_executor_.close();
}

size_t Supervisor::listener_count() const {
  size_t n = 0;
  for (const auto& loop : loops_) n += loop->listener_count();
  return n;
}

SupervisorStats Supervisor::stats() const {
  SupervisorStats total;
  for (const auto& loop : loops_) {
    const SupervisorStats s = loop->stats();
    total.notifications += s.notifications;
    total.answered += s.answered;
    total.targets_gone += s.targets_gone;
    total.errors += s.errors;
    total.unanswered += s.unanswered;
    total.listeners_opened += s.listeners_opened;
    total.listeners_closed += s.listeners_closed;
  }
  return total;
}

DecisionStats Supervisor::decision_stats() const {
  DecisionStats total;
  for (const auto& loop : loops_) loop->add_decision_stats_to(total);
  return total;
}

size_t Supervisor::serving_threads() const {
  size_t n = 0;
  for (const auto& loop : loops_) n += loop->threads();
  return n;
}

void Supervisor::for_each_listener(const std::function<void(Listener&)>& fn) {
  for (auto& loop : loops_) loop->for_each_listener(fn);
}

void Supervisor::replace_decider(Listener& listener, std::shared_ptr<const Decider> decider) {
  listener.owner().replace_decider(listener, std::move(decider));
}

}  // namespace tollgate
