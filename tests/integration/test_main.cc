// Integration tests run in a private mount namespace of their own, so that nothing a test (or a
// misbehaving filter) mounts can leak onto the host.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    std::perror("integration tests need root to make a private mount namespace");
    return 1;
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
