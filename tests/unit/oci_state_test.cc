#include "core/oci_state.h"

#include <gtest/gtest.h>

#include "core/json_message_boundary.h"

namespace tollgate {
namespace {

using nlohmann::json;

// What runc 1.1.5 sends (crun 1.8.1 sends the same fields, pretty-printed, with ociVersion "0.2.0").
json runc_message() {
  return json::parse(
      R"({"ociVersion":"1.0.2-dev","fds":["seccompFd"],"pid":31218,"metadata":"policy=x\nmode=enforce",
    "state":{"ociVersion":"1.0.2-dev","id":"web-1","status":"creating","pid":31218,"bundle":"/srv/web-1",
             "annotations":{"io.tollgate.policy":"foo"}}})");
}

std::string error_of(const json& j) {
  auto r = parse_oci_process_state(j);
  if (r) {
    ADD_FAILURE() << "parsed, but an error was expected: " << j.dump();
    return {};
  }
  return r.error();
}

TEST(OciStateTest, ParsesWhatRuncSends) {
  auto s = parse_oci_process_state(runc_message());
  ASSERT_TRUE(s.has_value()) << s.error();
  EXPECT_EQ(s->oci_version, "1.0.2-dev");
  EXPECT_EQ(s->fds, std::vector<std::string>{"seccompFd"});
  EXPECT_EQ(s->seccomp_fd_index(), 0u);
  EXPECT_EQ(s->pid, 31218);
  EXPECT_EQ(s->metadata, "policy=x\nmode=enforce");
  EXPECT_EQ(s->state.id, "web-1");
  EXPECT_EQ(s->state.status, "creating");
  EXPECT_EQ(s->state.pid, 31218);
  EXPECT_EQ(s->state.bundle, "/srv/web-1");
  EXPECT_EQ(s->state.annotations.at("io.tollgate.policy"), "foo");
  EXPECT_TRUE(is_oci_message(runc_message()));
  EXPECT_FALSE(is_oci_message(json::parse(R"({"tollgateEnvelope":1})")));
}

TEST(OciStateTest, AcceptsAnyVersionAndOptionalFields) {
  json j = runc_message();
  j["ociVersion"] = "7.0.0-future";
  j.erase("metadata");
  j["state"].erase("annotations");
  j["state"].erase("pid");
  auto s = parse_oci_process_state(j);
  ASSERT_TRUE(s.has_value()) << s.error();
  EXPECT_EQ(s->oci_version, "7.0.0-future");
  EXPECT_TRUE(s->metadata.empty());
  EXPECT_TRUE(s->state.annotations.empty());
}

TEST(OciStateTest, AcceptsWhatCrunExecSends) {
  // crun 1.8.1 for `crun exec`: pid 0, bundle ".", no annotations, status "running".
  json j = runc_message();
  j["pid"] = 0;
  j["state"] = {{"ociVersion", "0.2.0"}, {"id", "web-1"}, {"status", "running"}, {"pid", 0}, {"bundle", "."}};
  auto s = parse_oci_process_state(j);
  ASSERT_TRUE(s.has_value()) << s.error();
  EXPECT_EQ(s->pid, 0);
  EXPECT_EQ(s->state.bundle, ".");
}

TEST(OciStateTest, FindsSeccompFdAmongOthers) {
  json j = runc_message();
  j["fds"] = {"pidFd", "seccompFd"};
  auto s = parse_oci_process_state(j);
  ASSERT_TRUE(s.has_value()) << s.error();
  EXPECT_EQ(s->seccomp_fd_index(), 1u);
  j["fds"] = {"pidFd"};
  s = parse_oci_process_state(j);
  ASSERT_TRUE(s.has_value()) << s.error();
  EXPECT_FALSE(s->seccomp_fd_index().has_value());
}

TEST(OciStateTest, RejectsMalformedFieldsByPointer) {
  auto broken = [](auto change) {
    json j = runc_message();
    change(j);
    return j;
  };
  EXPECT_NE(error_of(broken([](json& j) { j["ociVersion"] = 1; })).find("/ociVersion"), std::string::npos);
  EXPECT_NE(error_of(broken([](json& j) { j.erase("fds"); })).find("/fds"), std::string::npos);
  EXPECT_NE(error_of(broken([](json& j) { j["fds"] = {1}; })).find("/fds"), std::string::npos);
  EXPECT_NE(error_of(broken([](json& j) { j["pid"] = -3; })).find("/pid"), std::string::npos);
  EXPECT_NE(error_of(broken([](json& j) { j["pid"] = "12"; })).find("/pid"), std::string::npos);
  EXPECT_NE(error_of(broken([](json& j) { j["metadata"] = json::object(); })).find("/metadata"),
            std::string::npos);
  EXPECT_NE(error_of(broken([](json& j) { j.erase("state"); })).find("/state"), std::string::npos);
  EXPECT_NE(error_of(broken([](json& j) { j["state"] = "x"; })).find("/state"), std::string::npos);
  EXPECT_NE(error_of(broken([](json& j) { j["state"].erase("id"); })).find("/state/id"), std::string::npos);
  EXPECT_NE(error_of(broken([](json& j) { j["state"]["id"] = ""; })).find("/state/id"), std::string::npos);
  EXPECT_NE(error_of(broken([](json& j) {
              j["state"]["id"] = "web\ntollgate: forged line";
            })).find("control characters"),
            std::string::npos);
  EXPECT_NE(error_of(broken([](json& j) { j["state"]["pid"] = 1 << 23; })).find("/state/pid"),
            std::string::npos);
  EXPECT_NE(
      error_of(broken([](json& j) { j["state"]["annotations"]["a"] = 1; })).find("/state/annotations/a"),
      std::string::npos);
  EXPECT_NE(error_of(json::array()).find("not a JSON object"), std::string::npos);
}

// ---- where a message on the stream ends ----

TEST(JsonMessageBoundaryTest, CompletesAtTheClosingBraceOfTheTopLevelObject) {
  const std::string text = runc_message().dump();
  JsonMessageBoundary b;
  // Byte by byte: complete exactly at the last byte, not before.
  for (size_t i = 0; i + 1 < text.size(); ++i) ASSERT_FALSE(b.feed(text.substr(i, 1))) << "at byte " << i;
  EXPECT_TRUE(b.feed(text.substr(text.size() - 1)));
  EXPECT_TRUE(b.complete());
}

TEST(JsonMessageBoundaryTest, BracesInsideStringsAndEscapedQuotesDoNotCount) {
  JsonMessageBoundary b;
  EXPECT_FALSE(b.feed(R"(  {"a":"}}\"}", "b":[{"c":"\\"}])"));
  EXPECT_TRUE(b.feed("]}"));
}

TEST(JsonMessageBoundaryTest, SomethingThatIsNotAnObjectNeverCompletes) {
  JsonMessageBoundary b;
  EXPECT_FALSE(b.feed("[1,2]"));
  EXPECT_FALSE(b.feed("}"));
  JsonMessageBoundary garbage;
  EXPECT_FALSE(garbage.feed("\x01\x02 not json at all {{{}}}"));
}

}  // namespace
}  // namespace tollgate
