#include "supervisor/socket/refusal_log.h"

#include <gtest/gtest.h>

namespace tollgate {
namespace {

TEST(RefusalLog, TheFirstRefusalIsLoggedAtOnce) {
  RefusalLog log(10000);
  EXPECT_EQ(log.note(5), 1u);
}

TEST(RefusalLog, AFloodWithinTheIntervalIsOneLineThatCountsIt) {
  RefusalLog log(10000);
  ASSERT_EQ(log.note(0), 1u);
  for (uint64_t t = 1; t < 10000; t += 10) EXPECT_FALSE(log.note(t).has_value()) << "at " << t;
  // 1,000 refusals were not logged; the next line, once the interval has passed, stands for them and itself.
  EXPECT_EQ(log.note(10000), 1001u);
  EXPECT_FALSE(log.note(10001).has_value());
}

TEST(RefusalLog, RefusalsFartherApartThanTheIntervalAreEachLogged) {
  RefusalLog log(10000);
  EXPECT_EQ(log.note(0), 1u);
  EXPECT_EQ(log.note(20000), 1u);
  EXPECT_EQ(log.note(40000), 1u);
}

}  // namespace
}  // namespace tollgate
