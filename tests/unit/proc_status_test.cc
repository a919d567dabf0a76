#include "core/proc_status.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "core/file_text.h"

namespace tollgate {
namespace {

const char* kStatus =
    "Name:\tsh\n"
    "Umask:\t0027\n"
    "Tgid:\t4242\n"
    "Uid:\t1000\t1001\t1002\t1003\n"
    "Gid:\t2000\t2001\t2002\t2003\n"
    "CapEff:\t0000000000200000\n"
    "SigBlk:\tfffffffe7ffbfeff\n"
    "NoNewPrivs:\t1\n";

TEST(ProcStatus, FindsFieldsByWholeName) {
  ProcStatus s(kStatus);
  EXPECT_EQ(s.field("Name"), "sh");
  EXPECT_EQ(s.number("Tgid"), 4242u);
  EXPECT_EQ(s.number("Umask", 8), 027u);
  EXPECT_EQ(s.mask("CapEff"), uint64_t{1} << 21);
  EXPECT_EQ(s.mask("SigBlk"), 0xfffffffe7ffbfeffull);
  EXPECT_FALSE(s.field("Cap").has_value());  // a prefix of a key is not that key
  EXPECT_FALSE(s.field("Missing").has_value());
}

TEST(ProcStatus, ReadsAllFourIds) {
  ProcStatus s(kStatus);
  auto uids = s.ids("Uid");
  ASSERT_TRUE(uids.has_value());
  EXPECT_EQ(*uids, (std::array<uint32_t, 4>{1000, 1001, 1002, 1003}));
  EXPECT_EQ((*s.ids("Gid"))[3], 2003u);
}

TEST(ProcStatus, RefusesMalformedValues) {
  ProcStatus s("Uid:\t1 2\nCapEff:\tzz\nTgid:\t\n");
  EXPECT_FALSE(s.ids("Uid").has_value());
  EXPECT_FALSE(s.mask("CapEff").has_value());
  EXPECT_FALSE(s.number("Tgid").has_value());
}

TEST(ProcStatus, ReadsALiveProcessAndNamesAGoneOne) {
  auto self = ProcStatus::of(getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_EQ(self->number("Tgid"), static_cast<uint64_t>(getpid()));
  EXPECT_EQ((*self->ids("Uid"))[1], geteuid());
  auto gone = ProcStatus::of(0x3fffffff);  // above pid_max
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error(), ESRCH);
}

TEST(FileText, ReadsWholeFilesAndReportsErrno) {
  auto text = read_file("/proc/self/status");
  ASSERT_TRUE(text.has_value());
  EXPECT_GT(text->size(), 4096u / 4);
  EXPECT_NE(text->find("\nTgid:"), std::string::npos);
  auto missing = read_file("/nonexistent/tollgate-test");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error(), ENOENT);
}

}  // namespace
}  // namespace tollgate
