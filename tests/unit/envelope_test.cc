#include "tollgate/envelope.h"

#include <gtest/gtest.h>

#include <string>

namespace tollgate {
namespace {

using nlohmann::json;

HandoverEnvelope sample_envelope() {
  HandoverEnvelope e;
  e.pid = 4242;
  e.argv = {"/bin/sh", "-c", "mount -t tmpfs none /mnt", ""};
  e.policy_name = "seccomp.json";
  e.policy_flavor = "docker";
  e.policy_document = {{"defaultAction", "SCMP_ACT_ERRNO"},
                       {"defaultErrnoRet", 38},
                       {"syscalls", json::array({{{"names", {"mount"}}, {"action", "SCMP_ACT_NOTIFY"}}})}};
  e.metadata = {{"container", "web-1"}, {"runtime", "crun"}, {"empty", ""}};
  return e;
}

// A valid envelope as JSON, for tests that break one field at a time.
json valid_json() {
  return json::parse(serialize_envelope(sample_envelope()));
}

std::string parse_error(const json& j) {
  auto e = parse_envelope(j.dump());
  if (e) {
    ADD_FAILURE() << "envelope parsed, but an error was expected: " << j.dump();
    return {};
  }
  return e.error();
}

TEST(EnvelopeTest, RoundTripKeepsEverything) {
  const HandoverEnvelope in = sample_envelope();
  const std::string wire = serialize_envelope(in);
  auto out = parse_envelope(wire);
  ASSERT_TRUE(out.has_value()) << out.error();
  EXPECT_EQ(out->version, kEnvelopeVersion);
  EXPECT_EQ(out->pid, 4242);
  EXPECT_EQ(out->argv, in.argv);
  EXPECT_EQ(out->policy_name, "seccomp.json");
  EXPECT_EQ(out->policy_flavor, "docker");
  EXPECT_EQ(out->policy_document, in.policy_document);
  EXPECT_EQ(out->metadata, in.metadata);
  // And serializing again gives the same bytes.
  EXPECT_EQ(serialize_envelope(*out), wire);
}

TEST(EnvelopeTest, RoundTripOfTheTollgateFlavorWithoutMetadata) {
  HandoverEnvelope in;
  in.pid = 1;
  in.policy_name = "default.json";
  in.policy_document = {{"defaultAction", "SCMP_ACT_ALLOW"}};
  auto out = parse_envelope(serialize_envelope(in));
  ASSERT_TRUE(out.has_value()) << out.error();
  EXPECT_EQ(out->pid, 1);
  EXPECT_TRUE(out->argv.empty());
  EXPECT_EQ(out->policy_flavor, "tollgate");
  EXPECT_EQ(out->policy_name, "default.json");
  EXPECT_EQ(out->policy_document, in.policy_document);
  EXPECT_TRUE(out->metadata.empty());
}

TEST(EnvelopeTest, SerializedFormHasTheDocumentedFields) {
  json j = valid_json();
  EXPECT_EQ(j["tollgateEnvelope"], kEnvelopeVersion);
  EXPECT_EQ(j["pid"], 4242);
  EXPECT_TRUE(j["argv"].is_array());
  EXPECT_EQ(j["policy"]["name"], "seccomp.json");
  EXPECT_EQ(j["policy"]["flavor"], "docker");
  EXPECT_TRUE(j["policy"]["document"].is_object());
  EXPECT_EQ(j["metadata"]["container"], "web-1");
}

TEST(EnvelopeTest, OptionalFieldsMayBeAbsent) {
  json j = valid_json();
  j.erase("argv");
  j.erase("metadata");
  j["policy"].erase("flavor");
  auto e = parse_envelope(j.dump());
  ASSERT_TRUE(e.has_value()) << e.error();
  EXPECT_TRUE(e->argv.empty());
  EXPECT_TRUE(e->metadata.empty());
  EXPECT_EQ(e->policy_flavor, "tollgate");
}

TEST(EnvelopeTest, RejectsNonJson) {
  auto e = parse_envelope("{\"tollgateEnvelope\": 1,");
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().find("not valid JSON"), std::string::npos) << e.error();
  EXPECT_FALSE(parse_envelope("").has_value());
  EXPECT_FALSE(parse_envelope("hello").has_value());
}

TEST(EnvelopeTest, RejectsNonObjects) {
  for (const char* text : {"[1, 2]", "42", "\"envelope\"", "null"}) {
    auto e = parse_envelope(text);
    ASSERT_FALSE(e.has_value()) << text;
    EXPECT_NE(e.error().find("not a JSON object"), std::string::npos) << text << ": " << e.error();
  }
}

TEST(EnvelopeTest, RejectsMissingMarker) {
  json j = valid_json();
  j.erase("tollgateEnvelope");
  EXPECT_NE(parse_error(j).find("/tollgateEnvelope"), std::string::npos);
  j["tollgateEnvelope"] = "1";
  EXPECT_NE(parse_error(j).find("/tollgateEnvelope"), std::string::npos);
}

TEST(EnvelopeTest, RejectsWrongVersion) {
  json j = valid_json();
  j["tollgateEnvelope"] = kEnvelopeVersion + 1;
  std::string error = parse_error(j);
  EXPECT_NE(error.find("/tollgateEnvelope"), std::string::npos) << error;
  EXPECT_NE(error.find("unsupported version " + std::to_string(kEnvelopeVersion + 1)), std::string::npos)
      << error;
  j["tollgateEnvelope"] = 0;
  EXPECT_NE(parse_error(j).find("unsupported version 0"), std::string::npos);
}

TEST(EnvelopeTest, RejectsMissingOrBadPid) {
  json j = valid_json();
  j.erase("pid");
  EXPECT_NE(parse_error(j).find("/pid"), std::string::npos);
  for (json bad : {json(-5), json(0), json("4242"), json(1.5), json(int64_t{1} << 40)}) {
    j["pid"] = bad;
    EXPECT_NE(parse_error(j).find("/pid"), std::string::npos) << bad.dump();
  }
}

TEST(EnvelopeTest, RejectsArgvThatIsNotAnArrayOfStrings) {
  json j = valid_json();
  j["argv"] = "/bin/sh -c true";
  EXPECT_NE(parse_error(j).find("/argv"), std::string::npos);
  j["argv"] = json::array({"/bin/sh", 1});
  EXPECT_NE(parse_error(j).find("/argv"), std::string::npos);
  j["argv"] = json::array({"/bin/sh", nullptr});
  EXPECT_NE(parse_error(j).find("/argv"), std::string::npos);
}

TEST(EnvelopeTest, RejectsMissingPolicy) {
  json j = valid_json();
  j.erase("policy");
  EXPECT_NE(parse_error(j).find("/policy"), std::string::npos);
  j["policy"] = "default.json";
  EXPECT_NE(parse_error(j).find("/policy"), std::string::npos);
}

TEST(EnvelopeTest, RejectsMissingPolicyName) {
  json j = valid_json();
  j["policy"].erase("name");
  EXPECT_NE(parse_error(j).find("/policy/name"), std::string::npos);
}

TEST(EnvelopeTest, RejectsMissingOrBadDocument) {
  json j = valid_json();
  j["policy"].erase("document");
  EXPECT_NE(parse_error(j).find("/policy/document"), std::string::npos);
  j["policy"]["document"] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}";
  EXPECT_NE(parse_error(j).find("/policy/document"), std::string::npos);
}

TEST(EnvelopeTest, RejectsUnknownFlavor) {
  json j = valid_json();
  for (json bad : {json("oci"), json("Docker"), json(""), json(1)}) {
    j["policy"]["flavor"] = bad;
    std::string error = parse_error(j);
    EXPECT_NE(error.find("/policy/flavor"), std::string::npos) << bad.dump() << ": " << error;
  }
  j["policy"]["flavor"] = "tollgate";
  auto ok = parse_envelope(j.dump());
  ASSERT_TRUE(ok.has_value()) << ok.error();
  EXPECT_EQ(ok->policy_flavor, "tollgate");
}

TEST(EnvelopeTest, RejectsMetadataWithNonStringValues) {
  json j = valid_json();
  j["metadata"]["replicas"] = 3;
  std::string error = parse_error(j);
  EXPECT_NE(error.find("/metadata/replicas"), std::string::npos) << error;
  EXPECT_NE(error.find("not a string"), std::string::npos) << error;
  j["metadata"] = json::array({"a", "b"});
  EXPECT_NE(parse_error(j).find("/metadata"), std::string::npos);
}

TEST(EnvelopeTest, RejectsOciState) {
  json state = {
      {"ociVersion", "1.0.2"},
      {"fds", {"seccompFd"}},
      {"pid", 4242},
      {"metadata", "opaque"},
      {"state", {{"ociVersion", "1.0.2"}, {"id", "abc"}, {"status", "creating"}, {"pid", 4242}}},
  };
  auto e = parse_envelope(state.dump());
  ASSERT_FALSE(e.has_value());
  EXPECT_NE(e.error().find("OCI"), std::string::npos) << e.error();
}

// B1 (issue 12), found by fuzz/fuzz_envelope: a policy document nested 150000 deep (300 KB) overflowed the
// stack in the envelope's parse / serialize round trip. Either answer is fine, an error or an envelope
// that survives its round trip, as long as nothing crashes.
TEST(EnvelopeTest, DeepNestingDoesNotCrash) {
  const size_t depth = 150000;
  const std::string text = R"({"tollgateEnvelope":1,"pid":1,"policy":{"name":"x","document":{"a":)" +
                           std::string(depth, '[') + std::string(depth, ']') + "}}}";
  auto envelope = parse_envelope(text);
  if (envelope) {
    auto again = parse_envelope(serialize_envelope(*envelope));
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->policy_document, envelope->policy_document);
  }
}

}  // namespace
}  // namespace tollgate
