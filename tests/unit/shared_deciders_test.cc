// SharedDeciders: one decider per policy document in use, forgotten once no target uses it.
#include "supervisor/decide/shared_deciders.h"

#include <gtest/gtest.h>

namespace tollgate {
namespace {

class NamedDecider final : public Decider {
 public:
  explicit NamedDecider(std::string name) : name_(std::move(name)) {}
  Decision decide(CallContext&) const override { return Decision::deny(EPERM, "test"); }
  const std::string& policy_name() const override { return name_; }

 private:
  std::string name_;
};

std::shared_ptr<const Decider> decider(const std::string& name) {
  return std::make_shared<NamedDecider>(name);
}

TEST(SharedDeciders, TheSameKeyGivesTheDeciderKeptWhileItIsUsed) {
  SharedDeciders shared;
  EXPECT_EQ(shared.find("a"), nullptr);
  auto first = decider("a");
  shared.keep("a", first);
  EXPECT_EQ(shared.find("a"), first);
  EXPECT_EQ(shared.find("b"), nullptr) << "another document is another decider";
}

TEST(SharedDeciders, ADeciderNoTargetUsesIsNotHandedOutAgain) {
  SharedDeciders shared;
  shared.keep("a", decider("a"));  // nobody holds it
  EXPECT_EQ(shared.find("a"), nullptr);
  auto again = decider("a");
  shared.keep("a", again);
  EXPECT_EQ(shared.find("a"), again);
}

TEST(SharedDeciders, KeysOfUnusedDecidersAreSweptAway) {
  SharedDeciders shared;
  auto used = decider("used");
  shared.keep("used", used);
  for (int i = 0; i < 1000; ++i) shared.keep("gone" + std::to_string(i), decider("gone"));
  EXPECT_LT(shared.size(), 200u);
  EXPECT_EQ(shared.find("used"), used);
}

}  // namespace
}  // namespace tollgate
