// Audit and learn through the runtime shim with real engines: Docker (runc, `-e TOLLGATE_MODE`) and Podman
// (crun, `--annotation io.tollgate.mode`), both calling `tollgate-runtime` in their runtime's place, with a
// `tollgate supervise` started here. What is checked is what a person would: the report and suggested
// profile exist after the container exits (`tollgate ctl report ID`, files in the report directory), the
// container re-run under the suggestion in explain mode is denied nothing, and a learned profile, given to
// the engine as the container's own, runs the same command.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/docker_engine.h"
#include "tests/integration/harness.h"
#include "tests/integration/podman_engine.h"
#include "tests/integration/profile_variants.h"
#include "tests/integration/shim_setup.h"

namespace tollgate::testing {
namespace {

using nlohmann::json;

const std::string kRuncPath = "/usr/sbin/runc";
const std::string kCrunPath = "/usr/bin/crun";
// ls -l stats every entry (statx); the image's own files, so that two runs print the same.
const std::vector<std::string> kList = {"/usr/local/bin/ls", "-l", "/usr/local/bin"};

// Events of the daemon that name this container and carry an errno: its denials.
std::vector<json> denials_of(const std::string& events_path, const std::string& container_id) {
  std::vector<json> out;
  std::istringstream lines(read_file(events_path));
  for (std::string line; std::getline(lines, line);) {
    json j = json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("container") && j["container"]["id"] == container_id && j.contains("errno"))
      out.push_back(j);
  }
  return out;
}

std::string first_line(const std::string& path) {
  std::string text = read_file(path);
  return text.substr(0, text.find('\n'));
}

class EngineAuditTest : public ::testing::Test {
 protected:
  // `runtime`: what the shim wraps. The profile: story 1's, Podman's default without statx (coreutils' ls
  // needs it).
  explicit EngineAuditTest(const std::string& runtime)
      : setup_(runtime), daemon_(setup_.daemon), dir_(setup_.dir), rootfs_(setup_.rootfs),
        no_statx_(podman_without_statx(dir_, 1)) {}

  // `tollgate ctl report ID --json`'s report, once the daemon has it (the container's last listener closes
  // a little after the engine returns).
  json report_of(const std::string& id) const {
    json reply;
    eventually([&] {
      ProcessResult r =
          run_process({kTollgate, "ctl", "--socket", daemon_->control_socket(), "--json", "report", id});
      reply = json::parse(r.out, nullptr, false);
      return r.status == 0 && reply.is_object() && reply.value("ok", false);
    });
    return reply.is_object() && reply.contains("report") ? reply["report"] : json();
  }

  // The audit report must name statx under the profile's default action, and its suggestion must allow it.
  std::string check_audit_report(const std::string& id) const {
    const json report = report_of(id);
    EXPECT_TRUE(report.is_object()) << daemon_->stderr_text();
    if (!report.is_object()) return {};
    bool statx_found = false;
    for (const auto& f : report["report"]["findings"])
      if (f["syscall"] == "statx") {
        statx_found = true;
        EXPECT_EQ(f["rule"], "defaultAction") << f.dump();
        EXPECT_NE(f["example"].get<std::string>().find("statx("), std::string::npos) << f.dump();
      }
    EXPECT_TRUE(statx_found) << report.dump();
    EXPECT_NE(report["report"]["suggested_changes"].dump().find("added statx"), std::string::npos)
        << report.dump();
    EXPECT_EQ(report["files"].size(), 2u) << report.dump();
    std::string suggested;
    for (const auto& f : report["files"])
      if (f.get<std::string>().ends_with(".suggested-profile.json")) suggested = f.get<std::string>();
    EXPECT_TRUE(std::filesystem::is_regular_file(suggested)) << report.dump();
    EXPECT_EQ(std::filesystem::path(suggested).parent_path(), dir_.path() / "reports");
    return suggested;
  }

  // The re-run under the suggestion, in explain mode: the same output, and no denial event for it.
  void expect_no_denial(const ProcessResult& explained, const std::string& audited_out,
                        const std::string& cidfile) const {
    EXPECT_EQ(explained.status, 0) << explained.err;
    EXPECT_EQ(explained.out, audited_out);
    const std::string id = first_line(cidfile);
    ASSERT_FALSE(id.empty());
    EXPECT_TRUE(denials_of(daemon_->events(), id).empty()) << read_file(daemon_->events());
  }

  std::string learned_profile_of(const std::string& id) const {
    const json report = report_of(id);
    EXPECT_TRUE(report.is_object()) << daemon_->stderr_text();
    if (!report.is_object()) return {};
    EXPECT_EQ(report["mode"], "learn");
    for (const auto& f : report.value("files", json::array()))
      if (f.get<std::string>().ends_with(".learned-profile.json")) return f.get<std::string>();
    ADD_FAILURE() << report.dump();
    return {};
  }

  ShimSetup setup_;
  const std::unique_ptr<SuperviseDaemon>& daemon_;
  const TempDir& dir_;
  const std::filesystem::path& rootfs_;
  const std::string no_statx_;
};

class DockerAuditTest : public EngineAuditTest {
 protected:
  DockerAuditTest() : EngineAuditTest(kRuncPath) {}
  void SetUp() override {
    engine_ = std::make_unique<DockerEngine>(std::vector<std::string>{"tollgate=" + setup_.shim()});
    engine_->import_image(rootfs_, kImage);
  }
  void TearDown() override { engine_.reset(); }

  // `docker run --rm --network none --cidfile F OPTIONS IMAGE COMMAND`; the container's id is in F.
  ProcessResult run(const std::string& cidfile, const std::vector<std::string>& options,
                    const std::vector<std::string>& command) const {
    std::vector<std::string> all = {"--cidfile", cidfile};
    all.insert(all.end(), options.begin(), options.end());
    return engine_->run(kImage, all, command);
  }

  static constexpr const char* kImage = "tollgate-audit-test:1";
  std::unique_ptr<DockerEngine> engine_;
};

TEST_F(DockerAuditTest, AuditReportsTheDeniedCallsAndTheSuggestionRunsWithoutADenialInExplain) {
  ProcessResult audited = run(dir_.file("audit.cid"),
                              {"--runtime", "tollgate", "-e", "TOLLGATE_MODE=audit", "--security-opt",
                               "seccomp=" + no_statx_},
                              kList);
  EXPECT_EQ(audited.status, 0) << audited.err;  // audit denies nothing: ls works
  EXPECT_NE(audited.out.find(" ls\n"), std::string::npos) << audited.out;
  const std::string suggested = check_audit_report(first_line(dir_.file("audit.cid")));
  ASSERT_FALSE(suggested.empty());

  ProcessResult explained = run(dir_.file("explain.cid"),
                                {"--runtime", "tollgate", "-e", "TOLLGATE_MODE=explain", "--security-opt",
                                 "seccomp=" + suggested},
                                kList);
  expect_no_denial(explained, audited.out, dir_.file("explain.cid"));
}

TEST_F(DockerAuditTest, ALearnedProfileRunsTheSameCommandAsTheContainersOwnProfile) {
  ProcessResult learning =
      run(dir_.file("learn.cid"), {"--runtime", "tollgate", "-e", "TOLLGATE_MODE=learn"}, kList);
  EXPECT_EQ(learning.status, 0) << learning.err;
  const std::string learned = learned_profile_of(first_line(dir_.file("learn.cid")));
  ASSERT_FALSE(learned.empty());
  // Docker's own runtime (runc, no shim) with the learned profile.
  ProcessResult under = run(dir_.file("under.cid"), {"--security-opt", "seccomp=" + learned}, kList);
  EXPECT_EQ(under.status, 0) << under.err;
  EXPECT_EQ(under.out, learning.out);
}

class PodmanAuditTest : public EngineAuditTest {
 protected:
  PodmanAuditTest() : EngineAuditTest(kCrunPath), podman_({"tollgate=" + setup_.shim()}) {}
  ProcessResult run(const std::string& cidfile, const std::vector<std::string>& options) const {
    std::vector<std::string> all = {"--cidfile", cidfile};
    all.insert(all.end(), options.begin(), options.end());
    return podman_.run(all, rootfs_.string(), kList);
  }
  std::vector<std::string> through_the_shim(const std::string& mode) const {
    return {"--runtime", "tollgate", "--annotation", "io.tollgate.mode=" + mode};
  }

  PodmanEngine podman_;
};

TEST_F(PodmanAuditTest, AuditReportsTheDeniedCallsAndTheSuggestionRunsWithoutADenialInExplain) {
  std::vector<std::string> options = through_the_shim("audit");
  options.insert(options.end(), {"--security-opt", "seccomp=" + no_statx_});
  ProcessResult audited = run(dir_.file("audit.cid"), options);
  EXPECT_EQ(audited.status, 0) << audited.err;
  EXPECT_NE(audited.out.find(" ls\n"), std::string::npos) << audited.out;
  const std::string suggested = check_audit_report(first_line(dir_.file("audit.cid")));
  ASSERT_FALSE(suggested.empty());

  options = through_the_shim("explain");
  options.insert(options.end(), {"--security-opt", "seccomp=" + suggested});
  ProcessResult explained = run(dir_.file("explain.cid"), options);
  expect_no_denial(explained, audited.out, dir_.file("explain.cid"));
}

TEST_F(PodmanAuditTest, ALearnedProfileRunsTheSameCommandAsTheContainersOwnProfile) {
  ProcessResult learning = run(dir_.file("learn.cid"), through_the_shim("learn"));
  EXPECT_EQ(learning.status, 0) << learning.err;
  const std::string learned = learned_profile_of(first_line(dir_.file("learn.cid")));
  ASSERT_FALSE(learned.empty());
  ProcessResult under = run(dir_.file("under.cid"), {"--security-opt", "seccomp=" + learned});
  EXPECT_EQ(under.status, 0) << under.err;
  EXPECT_EQ(under.out, learning.out);
}

}  // namespace
}  // namespace tollgate::testing
