// The keeper's state in the fd store: the names of stored fds, and the log of admission records that a
// keeper systemd starts again reads back (torn last lines, forgotten listeners, compaction).
#include "supervisor/keeper/kept_state_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "supervisor/keeper/service_manager_link.h"

namespace tollgate {
namespace {

TEST(StoredFdName, RoundTripsEachKind) {
  auto listener = parse_stored_fd_name(stored_listener_name(1ull << 41 | 7));
  ASSERT_TRUE(listener.has_value());
  EXPECT_EQ(listener->kind, StoredFdName::kListener);
  EXPECT_EQ(listener->number, 1ull << 41 | 7);
  EXPECT_EQ(parse_stored_fd_name(stored_ring_name(3))->kind, StoredFdName::kRing);
  EXPECT_EQ(parse_stored_fd_name(stored_state_name(12))->number, 12u);
  EXPECT_TRUE(stored_state_name(1).starts_with(kStoredFdPrefix));
}

TEST(StoredFdName, RefusesWhatTheKeeperNeverNames) {
  for (const char* name : {"handover", "kept-", "kept-listener-", "kept-listener-12x", "kept-ring--1",
                           "kept-state-99999999999999999999999", "kept-other-1"})
    EXPECT_FALSE(parse_stored_fd_name(name).has_value()) << name;
}

// A copy of the log's memfd, as the service manager would hand it to the next keeper.
UniqueFd handed_back(const KeptStateLog& log) {
  return UniqueFd(dup(log.fd()));
}

TEST(KeptStateLog, ANewKeeperReadsBackTheLiveRecordsAndTheLastGeneration) {
  auto log = KeptStateLog::create(1, {});
  ASSERT_TRUE(log.has_value()) << log.error();
  log->set_generation(1);
  log->keep(10, {{"kind", "agent"}, {"n", 1}});
  log->keep(11, {{"kind", "oci"}});
  log->set_generation(2);
  log->forget(10);
  log->keep(12, {{"kind", "agent"}, {"bytes", "caf\xe9"}});  // not UTF-8: written replaced, not thrown
  auto back = KeptStateLog::adopt(handed_back(*log), 1);
  ASSERT_TRUE(back.has_value()) << back.error();
  const auto& contents = back->second;
  EXPECT_EQ(contents.generation, 2u);
  ASSERT_EQ(contents.records.size(), 2u);
  EXPECT_EQ(contents.records.at(11)["kind"], "oci");
  EXPECT_TRUE(contents.records.contains(12));
  EXPECT_FALSE(contents.records.contains(10));
}

TEST(KeptStateLog, ATornLastLineIsIgnoredAndOverwritten) {
  auto log = KeptStateLog::create(1, {});
  ASSERT_TRUE(log.has_value());
  log->keep(5, {{"kind", "agent"}});
  // A keeper killed in the middle of a write leaves half a line.
  const std::string torn = R"({"keep":6,"record":{"kin)";
  ASSERT_EQ(write(log->fd(), torn.data(), torn.size()), static_cast<ssize_t>(torn.size()));
  auto back = KeptStateLog::adopt(handed_back(*log), 1);
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(back->second.records.size(), 1u);
  EXPECT_TRUE(back->second.records.contains(5));
  // What the next keeper appends starts on a line of its own.
  back->first.keep(7, {{"kind", "oci"}});
  auto again = KeptStateLog::adopt(UniqueFd(dup(back->first.fd())), 1);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->second.records.size(), 2u);
  EXPECT_TRUE(again->second.records.contains(7));
}

TEST(KeptStateLog, LinesThatAreNotTheLogsOwnAreSkipped) {
  auto log = KeptStateLog::create(1, {});
  ASSERT_TRUE(log.has_value());
  const std::string junk = "not json\n[1,2]\n{\"keep\":\"x\",\"record\":1}\n{\"forget\":-1}\n";
  ASSERT_EQ(write(log->fd(), junk.data(), junk.size()), static_cast<ssize_t>(junk.size()));
  log->keep(9, {{"kind", "agent"}});
  auto back = KeptStateLog::adopt(handed_back(*log), 1);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->second.records.size(), 1u);
  EXPECT_TRUE(back->second.records.contains(9));
}

TEST(KeptStateLog, AsksForCompactionOnlyWhenDeadLinesOutweighLiveOnes) {
  auto log = KeptStateLog::create(1, {});
  ASSERT_TRUE(log.has_value());
  log->set_compaction_floor(1000);
  const nlohmann::json record = {{"kind", "agent"}, {"envelope", std::string(200, 'x')}};
  for (uint64_t key = 1; key <= 8; ++key) log->keep(key, record);
  EXPECT_FALSE(log->wants_compaction());  // past the floor, but all of it live
  for (uint64_t key = 1; key <= 3; ++key) log->forget(key);
  EXPECT_FALSE(log->wants_compaction());
  for (uint64_t key = 4; key <= 7; ++key) log->forget(key);
  EXPECT_TRUE(log->wants_compaction());
  // The compacted log holds the same live records in far fewer bytes.
  auto back = KeptStateLog::adopt(handed_back(*log), 1);
  ASSERT_TRUE(back.has_value());
  auto compacted = KeptStateLog::create(2, back->second);
  ASSERT_TRUE(compacted.has_value());
  compacted->set_compaction_floor(1000);
  EXPECT_FALSE(compacted->wants_compaction());
  auto read = KeptStateLog::adopt(handed_back(*compacted), 2);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->second.records.size(), 1u);
  EXPECT_TRUE(read->second.records.contains(8));
  EXPECT_LT(lseek(compacted->fd(), 0, SEEK_END), lseek(log->fd(), 0, SEEK_END) / 4);
}

}  // namespace
}  // namespace tollgate
