// JSON from outside: nesting is bounded before a tree is built, and every failure is a value that says where.
#include "core/json_input.h"

#include <gtest/gtest.h>

#include "core/json_output.h"
#include "core/policy_parser.h"
#include "tollgate/envelope.h"

namespace tollgate {
namespace {

TEST(JsonInput, NestingPastTheLimitIsRefused) {
  const std::string deep = std::string(257, '[') + std::string(257, ']');
  auto parsed = parse_json_input(deep);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().message.find("nested deeper than 256"), std::string::npos)
      << parsed.error().message;
  const std::string ok = std::string(256, '[') + std::string(256, ']');
  EXPECT_TRUE(parse_json_input(ok).has_value());
}

TEST(JsonInput, ErrorsNameThePointerOfTheBadValue) {
  auto parsed = parse_json_input(R"({"a":[1,{"b":1e309}]})");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().pointer, "/a/1/b");
  EXPECT_NE(parsed.error().describe().find("/a/1/b"), std::string::npos) << parsed.error().describe();
}

// Issue 12, B1: this envelope overflowed the stack in parse_envelope's copy of the document.
TEST(JsonInput, AHandoverNestedAHundredAndFiftyThousandLevelsDeepIsRefused) {
  const std::string envelope = R"({"tollgateEnvelope":1,"pid":1,"policy":{"name":"t","document":{"x":)" +
                               std::string(150000, '[') + std::string(150000, ']') + "}}}";
  auto e = parse_envelope(envelope);
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().find("nested deeper than"), std::string::npos) << e.error().substr(0, 300);
}

// Issue 12, B3: out_of_range.406 escaped the policy parser.
TEST(JsonInput, ANumberOutOfRangeInAPolicyNamesTheFileAndTheField) {
  auto p = parse_policy_text(R"({"defaultAction":"SCMP_ACT_ALLOW","defaultErrnoRet":1e309})", "p.json", {});
  ASSERT_FALSE(p.has_value());
  const std::string text = p.error().to_string();
  EXPECT_NE(text.find("p.json"), std::string::npos) << text;
  EXPECT_NE(text.find("/defaultErrnoRet"), std::string::npos) << text;
}

// Issue 12, B2/B6: bytes that are not UTF-8 are replaced in output, never thrown about.
TEST(JsonOutput, BytesThatAreNotUtf8AreReplaced) {
  nlohmann::json j = {{"argv", {"caf\xe9"}}};
  EXPECT_EQ(json_text(j), "{\"argv\":[\"caf\xef\xbf\xbd\"]}");
  HandoverEnvelope e;
  e.pid = 1;
  e.argv = {"caf\xe9"};
  e.policy_name = "t";
  e.policy_document = nlohmann::json::object();
  EXPECT_TRUE(parse_envelope(serialize_envelope(e)).has_value());
}

}  // namespace
}  // namespace tollgate
