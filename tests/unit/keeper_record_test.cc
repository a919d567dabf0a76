// What the keeper holds for the next daemon: the in-flight record (slots written by one mapping, read by
// another), the manifest and channel messages, and the admission records a listener is admitted again with.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>

#include "core/oci_state.h"
#include "supervisor/inflight_ring.h"
#include "supervisor/keeper/keeper_channel.h"
#include "supervisor/keeper/keeper_client.h"

namespace tollgate {
namespace {

TEST(InflightRing, ASlotWrittenInOneMappingIsReadInAnother) {
  auto ring = InflightRing::create(2);
  ASSERT_TRUE(ring) << ring.error();
  ASSERT_EQ(ring->slot_count(), 2 * InflightRing::kSlotsPerLoop);
  LoopInflight loop(&ring->slot(InflightRing::kSlotsPerLoop), InflightRing::kSlotsPerLoop);
  seccomp_notif n{};
  n.id = 77;
  n.pid = 1234;
  n.data.nr = 39;
  loop.deciding(5, n, 1000);
  InflightSlot* held = loop.keep_pending(InflightState::Held);
  ASSERT_NE(held, nullptr);
  loop.decided();

  auto other = InflightRing::adopt(UniqueFd(dup(ring->fd())));
  ASSERT_TRUE(other) << other.error();
  size_t live = 0;
  for (size_t i = 0; i < other->slot_count(); ++i) {
    const InflightSlot& s = other->slot(i);
    if (s.state.load() == static_cast<uint32_t>(InflightState::Free)) continue;
    ++live;
    EXPECT_EQ(s.state.load(), static_cast<uint32_t>(InflightState::Held));
    EXPECT_EQ(s.listener_key, 5u);
    EXPECT_EQ(s.started_ns, 1000u);
    EXPECT_EQ(s.notification.id, 77u);
    EXPECT_EQ(s.notification.pid, 1234u);
  }
  EXPECT_EQ(live, 1u);  // the hot slot is free again; the held call has a slot of its own
  loop.release(held);
  EXPECT_EQ(other->slot(static_cast<size_t>(held - &ring->slot(0))).state.load(), 0u);
}

TEST(InflightRing, WhenEveryPendingSlotIsTakenTheCallGoesUnrecorded) {
  auto ring = InflightRing::create(1);
  ASSERT_TRUE(ring);
  LoopInflight loop(&ring->slot(0), 3);  // the hot slot and two pending ones
  seccomp_notif n{};
  loop.deciding(1, n, 0);
  InflightSlot* a = loop.keep_pending(InflightState::Emulating);
  InflightSlot* b = loop.keep_pending(InflightState::Emulating);
  EXPECT_NE(a, nullptr);
  EXPECT_NE(b, nullptr);
  EXPECT_EQ(loop.keep_pending(InflightState::Emulating), nullptr);
  loop.release(a);
  EXPECT_EQ(loop.keep_pending(InflightState::Emulating), a);
}

seccomp_notif notification(uint64_t id) {
  seccomp_notif n{};
  n.id = id;
  return n;
}

InflightState state_of(const InflightSlot* slot) { return static_cast<InflightState>(slot->state.load()); }

// A daemon killed between keep_pending and decided() leaves a call in its hot slot (Deciding) and in a
// pending slot (Emulating): recovered once, as the emulation that may have acted, never decided again.
TEST(InflightRing, ACallInTheHotSlotAndAPendingSlotIsRecoveredOnceAsTheFurtherAlong) {
  auto ring = InflightRing::create(1);
  ASSERT_TRUE(ring);
  LoopInflight loop(&ring->slot(0), InflightRing::kSlotsPerLoop);
  loop.deciding(5, notification(77), 1000);
  InflightSlot* emulating = loop.keep_pending(InflightState::Emulating);
  ASSERT_NE(emulating, nullptr);

  InflightRing* rings[] = {&*ring};
  const std::vector<InflightSlot*> calls = calls_to_recover(rings);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], emulating);
  EXPECT_EQ(state_of(&ring->slot(0)), InflightState::Free);  // the hot slot's copy
}

// A daemon killed while it took calls over leaves them in its own record and in its predecessor's: each is
// recovered once, whichever record comes first, and the copies are freed.
TEST(InflightRing, ACallInTwoDaemonsRecordsIsRecoveredOnce) {
  auto older = InflightRing::create(1);
  auto newer = InflightRing::create(1);
  ASSERT_TRUE(older && newer);
  LoopInflight old_loop(&older->slot(0), InflightRing::kSlotsPerLoop);
  LoopInflight new_loop(&newer->slot(0), InflightRing::kSlotsPerLoop);
  old_loop.deciding(5, notification(77), 1000);
  InflightSlot* held_before = old_loop.keep_pending(InflightState::Held);
  old_loop.decided();
  old_loop.deciding(5, notification(78), 1000);  // answered from the slot: emulated, about to be sent
  InflightSlot* emulated = old_loop.keep_pending(InflightState::Emulating);
  LoopInflight::emulated(emulated, 0, 0);
  old_loop.decided();
  new_loop.deciding(5, notification(77), 1000);  // holding 77 again
  InflightSlot* held_again = new_loop.keep_pending(InflightState::Held);
  new_loop.decided();
  new_loop.deciding(5, notification(78), 1000);  // about to send 78's answer when it died

  for (bool newer_first : {false, true}) {
    SCOPED_TRACE(newer_first ? "newer record first" : "older record first");
    // Each pass starts from the slots as the dead daemons left them.
    held_before->state = static_cast<uint32_t>(InflightState::Held);
    held_again->state = static_cast<uint32_t>(InflightState::Held);
    emulated->state = static_cast<uint32_t>(InflightState::Emulated);
    newer->slot(0).state = static_cast<uint32_t>(InflightState::Deciding);
    InflightRing* rings[] = {newer_first ? &*newer : &*older, newer_first ? &*older : &*newer};
    const std::vector<InflightSlot*> calls = calls_to_recover(rings);
    ASSERT_EQ(calls.size(), 2u);
    std::map<uint64_t, InflightSlot*> by_id;
    for (InflightSlot* slot : calls) by_id[slot->notification.id] = slot;
    ASSERT_TRUE(by_id.contains(77) && by_id.contains(78));
    EXPECT_EQ(state_of(by_id[77]), InflightState::Held);
    EXPECT_EQ(by_id[78], emulated);  // its answer is sent, not decided again from the hot slot
    EXPECT_EQ(state_of(&newer->slot(0)), InflightState::Free);
    size_t held_left = 0;
    for (InflightSlot* s : {held_before, held_again}) held_left += state_of(s) == InflightState::Held;
    EXPECT_EQ(held_left, 1u);
  }
}

// Calls are one call only on the same listener: another listener's call with the same id is its own, and a
// RECV into which nothing was received is no call at all.
TEST(InflightRing, RecoveryKeepsOtherListenersCallsAndFreesEmptyReceives) {
  auto ring = InflightRing::create(2);
  ASSERT_TRUE(ring);
  LoopInflight first(&ring->slot(0), InflightRing::kSlotsPerLoop);
  LoopInflight second(&ring->slot(InflightRing::kSlotsPerLoop), InflightRing::kSlotsPerLoop);
  first.deciding(5, notification(77), 1000);
  first.keep_pending(InflightState::Held);
  first.receiving(5);  // nothing arrived before the kill
  second.deciding(6, notification(77), 1000);

  InflightRing* rings[] = {&*ring};
  const std::vector<InflightSlot*> calls = calls_to_recover(rings);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_NE(calls[0]->listener_key, calls[1]->listener_key);
  EXPECT_EQ(state_of(&ring->slot(0)), InflightState::Free);
}

TEST(InflightRing, AMemfdOfTheWrongSizeOrUnsealedIsRefused) {
  UniqueFd fd(memfd_create("not-a-ring", MFD_CLOEXEC));
  ASSERT_EQ(ftruncate(fd.get(), 100), 0);
  auto ring = InflightRing::adopt(std::move(fd));
  ASSERT_FALSE(ring);
  EXPECT_NE(ring.error().find("wrong size"), std::string::npos) << ring.error();
}

TEST(KeeperManifest, RoundTripsAndNamesAMissingField) {
  KeeperManifest m;
  m.generation = 3;
  m.sockets.push_back({"handover", "/run/tollgate.sock", 5});
  m.listeners.push_back({(3ull << 40) | 1, 9, {{"kind", "agent"}}});
  m.rings.push_back({2, 11});
  auto back = parse_manifest(manifest_json(m));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->generation, 3u);
  ASSERT_EQ(back->sockets.size(), 1u);
  EXPECT_EQ(back->sockets[0].path, "/run/tollgate.sock");
  ASSERT_EQ(back->listeners.size(), 1u);
  EXPECT_EQ(back->listeners[0].key, (3ull << 40) | 1);
  EXPECT_EQ(back->listeners[0].record["kind"], "agent");
  EXPECT_EQ(back->rings[0].fd, 11);
  nlohmann::json broken = manifest_json(m);
  broken.erase("rings");
  auto bad = parse_manifest(broken);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("rings"), std::string::npos) << bad.error();
}

TEST(KeeperChannel, AMessageCarriesItsFdAndBadOnesAreNamed) {
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd a(pair[0]), b(pair[1]);
  UniqueFd passed(memfd_create("passed", MFD_CLOEXEC));
  ASSERT_TRUE(send_keeper_message(a.get(), {{"keep", "ring"}, {"ring", 4}}, passed.get()));
  auto m = receive_keeper_message(b.get());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->body["ring"], 4);
  EXPECT_TRUE(m->fd.valid());
  ASSERT_EQ(send(a.get(), "not json", 8, 0), 8);
  auto bad = receive_keeper_message(b.get());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), EBADMSG);
  auto none = receive_keeper_message(b.get());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), EAGAIN);
  a.reset();
  auto end = receive_keeper_message(b.get());
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error(), 0);
}

// A record larger than a socket buffer (a policy of hundreds of KB inline in the envelope) travels in a
// sealed memfd, and still arrives with the listener's fd.
TEST(KeeperChannel, AMessageTooLargeToSendInlineArrivesWholeWithItsFd) {
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd a(pair[0]), b(pair[1]);
  UniqueFd passed(memfd_create("listener", MFD_CLOEXEC));
  ASSERT_EQ(write(passed.get(), "L", 1), 1);
  const std::string envelope(3 * kMaxKeeperMessage, 'x');
  ASSERT_TRUE(send_keeper_message(
      a.get(), {{"keep", "listener"}, {"key", 7}, {"record", {{"envelope", envelope}}}}, passed.get()));
  auto m = receive_keeper_message(b.get());
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->body["key"], 7);
  EXPECT_EQ(m->body["record"]["envelope"].get<std::string>(), envelope);
  ASSERT_TRUE(m->fd.valid());
  char c = 0;
  EXPECT_EQ(pread(m->fd.get(), &c, 1, 0), 1);
  EXPECT_EQ(c, 'L');  // the listener's fd, not the memfd that carried the message
  const std::string beyond(kMaxKeeperMessageInMemfd + 1, 'x');
  auto too_large = send_keeper_message(a.get(), {{"record", beyond}});
  ASSERT_FALSE(too_large);
  EXPECT_EQ(too_large.error(), EMSGSIZE);
}

// What only a broken or hostile sender would send: a memfd message without the memfd, of another size
// than it says, or unsealed (it could change under the reader).
TEST(KeeperChannel, AMemfdMessageThatIsNotWhatItSaysIsRefused) {
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd a(pair[0]), b(pair[1]);
  UniqueFd unsealed(memfd_create("m", MFD_CLOEXEC));
  ASSERT_EQ(write(unsealed.get(), "{}", 2), 2);
  ASSERT_TRUE(send_keeper_message(a.get(), {{"in_memfd", 2}}));  // no fd at all
  ASSERT_TRUE(send_keeper_message(a.get(), {{"in_memfd", 5}}, unsealed.get()));
  ASSERT_TRUE(send_keeper_message(a.get(), {{"in_memfd", 2}}, unsealed.get()));
  ASSERT_TRUE(send_keeper_message(a.get(), {{"in_memfd", "2"}}, unsealed.get()));
  for (int i = 0; i < 4; ++i) {
    auto m = receive_keeper_message(b.get());
    ASSERT_FALSE(m) << i;
    EXPECT_EQ(m.error(), EBADMSG) << i;
  }
}

TEST(AdmissionRecord, AnOciStateRoundTrips) {
  const nlohmann::json message = {{"ociVersion", "1.0.2-dev"},
                                  {"fds", {"seccompFd"}},
                                  {"pid", 4242},
                                  {"metadata", "tollgate.policy=default"},
                                  {"state",
                                   {{"ociVersion", "1.0.2-dev"},
                                    {"id", "c1"},
                                    {"status", "creating"},
                                    {"pid", 4242},
                                    {"bundle", "/b"},
                                    {"annotations", {{"io.tollgate.mode", "audit"}}}}}};
  auto state = parse_oci_process_state(message);
  ASSERT_TRUE(state) << state.error();
  const nlohmann::json record = oci_admission_record(*state, ucred{7, 0, 0});
  EXPECT_EQ(record["kind"], "oci");
  EXPECT_EQ(record["peer"]["pid"], 7);
  auto again = parse_oci_process_state(record["state"]);
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(again->pid, 4242);
  EXPECT_EQ(again->metadata, "tollgate.policy=default");
  EXPECT_EQ(again->state.id, "c1");
  EXPECT_EQ(again->state.annotations.at("io.tollgate.mode"), "audit");
  EXPECT_EQ(again->seccomp_fd_index(), 0u);
}

}  // namespace
}  // namespace tollgate
