#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "supervisor/decide/policy_source.h"

namespace tollgate {
namespace {

namespace fs = std::filesystem;

// Two policy directories as an administrator's /etc and the package's /usr/share would be.
class PolicySearchPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tollgate-search-path-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }

  static void write(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

  PolicySearchPath path() const { return {{admin_, packaged_}}; }

  fs::path root_;
  fs::path admin_;
  fs::path packaged_;
};

TEST_F(PolicySearchPathTest, AFileInTheFirstDirectoryWinsOverTheSameName) {
  admin_ = root_ / "etc";
  packaged_ = root_ / "share";
  fs::create_directories(admin_);
  fs::create_directories(packaged_);
  write(packaged_ / "default.json", "{}");
  write(admin_ / "default.json", "{}");
  write(packaged_ / "rootless-mount.json", "{}");
  auto found = path().resolve("default");
  ASSERT_TRUE(found.has_value()) << found.error();
  EXPECT_EQ(*found, fs::canonical(admin_ / "default.json"));
  // Names the first directory lacks still resolve in the next.
  auto other = path().resolve("rootless-mount.json");
  ASSERT_TRUE(other.has_value()) << other.error();
  EXPECT_EQ(*other, fs::canonical(packaged_ / "rootless-mount.json"));
}

TEST_F(PolicySearchPathTest, MissingDirectoriesAreSkippedAndTheErrorNamesEveryOne) {
  admin_ = root_ / "etc-absent";
  packaged_ = root_ / "share";
  fs::create_directories(packaged_);
  write(packaged_ / "default.json", "{}");
  EXPECT_TRUE(path().resolve("default").has_value());
  auto missing = path().resolve("nothing");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().find("no such policy (looked in " + admin_.string() + ", " + packaged_.string() + ")"),
            std::string::npos)
      << missing.error();
}

TEST_F(PolicySearchPathTest, ARefusalInTheFirstDirectoryIsNotLookedUpFurther) {
  admin_ = root_ / "etc";
  packaged_ = root_ / "share";
  fs::create_directories(admin_);
  fs::create_directories(packaged_);
  write(root_ / "outside.json", "{}");
  write(packaged_ / "default.json", "{}");
  // A symlink out of the administrator's directory is refused, not replaced by the packaged file.
  fs::create_symlink(root_ / "outside.json", admin_ / "default.json");
  auto refused = path().resolve("default");
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().find("resolves outside"), std::string::npos) << refused.error();
  for (const char* bad : {"../outside", "/etc/passwd", ""})
    EXPECT_FALSE(path().resolve(bad).has_value()) << bad;
}

}  // namespace
}  // namespace tollgate
