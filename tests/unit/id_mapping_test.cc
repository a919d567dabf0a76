// /etc/subuid parsing and the maps `run --rootless` asks newuidmap/newgidmap to write.
#include "agent/id_mapping.h"

#include <gtest/gtest.h>

namespace tollgate {
namespace {

TEST(SubordinateRanges, MatchesTheUserByNameOrByNumberInFileOrder) {
  const std::string text =
      "alice:100000:65536\n"
      "bob:165536:65536\n"
      "1000:300000:10\n"
      "alice:400000:5\n";
  auto r = subordinate_ranges(text, "alice", 1000);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].start, 100000u);
  EXPECT_EQ(r[0].count, 65536u);
  EXPECT_EQ(r[1].start, 300000u);  // by uid
  EXPECT_EQ(r[2].start, 400000u);
  EXPECT_TRUE(subordinate_ranges(text, "carol", 1001).empty());
}

TEST(SubordinateRanges, SkipsCommentsBlankAndMalformedLines) {
  const std::string text =
      "# comment\n"
      "\n"
      "alice\n"
      "alice:100000\n"
      "alice:x:10\n"
      "alice:10:-1\n"
      "alice:10:0\n"
      "alice:4294967295:2\n"
      "alice:10:20 \n"
      "alicex:1:1\n"
      "alice:500:10";  // the last line needs no newline
  auto r = subordinate_ranges(text, "alice", 1000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].start, 500u);
  EXPECT_EQ(r[0].count, 10u);
}

TEST(RootlessMap, PutsTheUserAtZeroAndTheRangesFromOneOn) {
  auto map = rootless_map(1000, {{100000, 65536}, {300000, 10}});
  ASSERT_EQ(map.size(), 3u);
  EXPECT_EQ(map_text(map), "0 1000 1\n1 100000 65536\n65537 300000 10\n");
  EXPECT_EQ(map_text(rootless_map(0, {})), "0 0 1\n");
}

TEST(RootlessMap, UsesAtMostKMaxRanges) {
  std::vector<SubordinateRange> many(kMaxRanges + 3, SubordinateRange{100000, 1});
  EXPECT_EQ(rootless_map(1000, many).size(), kMaxRanges + 1);
}

}  // namespace
}  // namespace tollgate
