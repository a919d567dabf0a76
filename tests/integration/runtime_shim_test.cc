// `tollgate shim` driven the way Docker, Podman and containerd drive runc: a bundle, then
// `shim [global flags] create|run|state|kill|delete ...`, with the real runtime (runc or crun) named in a
// test runtime.json and a `tollgate supervise` daemon started here. What is checked is what the container's
// process observes and what the daemon records.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/integration/container_events.h"
#include "tests/integration/harness.h"
#include "tests/integration/oci_container.h"

namespace tollgate::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

const std::string kRuncPath = "/usr/sbin/runc";
const std::string kCrunPath = "/usr/bin/crun";

// The engine's profile: settimeofday and mount denied with EACCES, everything else allowed. Through the shim
// in enforce mode with the time-ok policy, settimeofday is emulated (0) and mount is the policy's EPERM.
const json kEngineProfile = {
    {"defaultAction", "SCMP_ACT_ALLOW"},
    {"architectures", {"SCMP_ARCH_X86_64"}},
    {"syscalls", {{{"names", {"mount", "settimeofday"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 13}}}},
};

const std::string kProbeBoth = "tg_probe settimeofday; tg_probe mount none /mnt tmpfs";

struct Bundle {
  std::filesystem::path dir;
  std::string id;
};

class ShimTest : public ::testing::TestWithParam<Runtime> {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.file("policies"));
    write_file(dir_.file("policies/time-ok.json"), R"({"comment": "test", "defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [], "rules": [
        {"name": "pretend-settimeofday", "syscalls": ["settimeofday"], "action": "emulate", "handler": "time",
         "options": {"mode": "pretend"}, "comment": "test"},
        {"name": "deny-mount", "syscalls": ["mount"], "action": "deny", "errno": "EPERM", "comment": "test"}]})");
    write_file(dir_.file("policies/fallback.json"), R"({"comment": "test", "defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [], "rules": [
        {"name": "deny-time", "syscalls": ["settimeofday"], "action": "deny", "errno": "EXDEV", "comment": "t"}]})");
    rootfs_ = build_busybox_rootfs(dir_.path());
    std::filesystem::create_directories(state_root());
    daemon_ = std::make_unique<SuperviseDaemon>(
        dir_, true,
        std::vector<std::string>{"--policy-dir", dir_.file("policies"), "--default-policy", "fallback"});
    write_runtime_config(daemon_->socket());
  }
  void TearDown() override {
    for (const auto& id : ids_)
      run_process({runtime_path(), "--root", state_root(), "delete", "-f", id}, seconds(30));
  }

  std::string runtime_path() const { return GetParam() == Runtime::Runc ? kRuncPath : kCrunPath; }
  std::string state_root() const { return dir_.file("state"); }
  std::string command_only_dir() const { return dir_.file("command-only"); }
  void write_runtime_config(const std::string& socket) {
    write_file(
        dir_.file("runtime.json"),
        json{{"runtime", runtime_path()},
             {"socket", socket},
             {"policyDir", dir_.file("policies")},
             {"commandOnlyDir", command_only_dir()}}
            .dump());
  }

  // A bundle as an engine writes it: the engine's profile, the container's environment and annotations.
  Bundle bundle(const std::string& script, const std::vector<std::string>& env,
                const std::map<std::string, std::string>& annotations = {}) {
    Bundle b{dir_.path() / ("bundle" + std::to_string(ids_.size())),
             "tollgate-shim-" + std::to_string(getpid()) + "-" + std::to_string(ids_.size())};
    ids_.push_back(b.id);
    std::filesystem::create_directories(b.dir);
    EXPECT_EQ(run_process({kRuncPath, "spec", "--bundle", b.dir.string()}).status, 0);
    const std::string path = (b.dir / "config.json").string();
    json config = json::parse(read_file(path));
    config["root"] = {{"path", rootfs_.string()}, {"readonly", true}};
    config["process"]["terminal"] = false;
    config["process"]["args"] = {"sh", "-c", script};
    for (const auto& e : env) config["process"]["env"].push_back(e);
    // settimeofday(NULL, NULL) still needs CAP_SYS_TIME; with it, an emulated success is what shows.
    for (const char* set : {"bounding", "effective", "permitted"})
      config["process"]["capabilities"][set].push_back("CAP_SYS_TIME");
    config["annotations"] = annotations;
    config["linux"]["seccomp"] = kEngineProfile;
    write_file(path, config.dump(2));
    return b;
  }

  // `tollgate shim GLOBALS COMMAND ARGS` as an engine runs it. crun's create and run go through the cgroup2
  // workaround of this hybrid-cgroup host (tests/integration/oci_container.cc).
  std::vector<std::string> shim_argv(const std::vector<std::string>& globals, const std::string& command,
                                     const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"/usr/bin/env", "TOLLGATE_RUNTIME_CONFIG=" + dir_.file("runtime.json"),
                                     kTollgate,      "shim",
                                     "--root",       state_root()};
    if (GetParam() == Runtime::Crun) argv.push_back("--cgroup-manager=disabled");
    argv.insert(argv.end(), globals.begin(), globals.end());
    argv.push_back(command);
    argv.insert(argv.end(), args.begin(), args.end());
    if (GetParam() == Runtime::Runc || (command != "run" && command != "create")) return argv;
    std::string line;
    for (const auto& a : argv) line += "'" + a + "' ";
    return {"/usr/bin/unshare", "-m", "/bin/sh", "-c",
            "umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec " + line};
  }
  ProcessResult shim_run(const Bundle& b, const std::vector<std::string>& globals = {}) {
    return run_process(shim_argv(globals, "run", {"--bundle", b.dir.string(), b.id}), seconds(60));
  }

  // `create` alone, with the container's stdio in a file (a captured pipe would stay open), as engines give
  // it files or fifos; when it fails, `err` is what the shim and the runtime said.
  ProcessResult shim_create(const Bundle& b) {
    std::string line;
    for (const auto& a : shim_argv({}, "create", {"--bundle", b.dir.string(), b.id})) line += "'" + a + "' ";
    ProcessResult r = run_process({"/bin/sh", "-c", line + "</dev/null >" + output_of(b) + " 2>&1"});
    if (r.status != 0) r.err = read_file(output_of(b));
    return r;
  }
  std::string output_of(const Bundle& b) const { return (b.dir / "output").string(); }
  std::string state_of(const Bundle& b) {
    ProcessResult s = run_process(shim_argv({}, "state", {b.id}));
    json j = json::parse(s.out, nullptr, false);
    return j.is_object() ? j.value("status", "") : "";
  }
  // create, start, wait until the command has exited: its output (stdout and stderr).
  std::string shim_create_start_wait(const Bundle& b) {
    ProcessResult created = shim_create(b);
    EXPECT_EQ(created.status, 0) << created.err;
    if (created.status != 0) return "";
    EXPECT_EQ(run_process(shim_argv({}, "start", {b.id})).status, 0);
    EXPECT_TRUE(eventually([&] { return state_of(b) == "stopped"; }));
    return read_file(output_of(b));
  }

  TempDir dir_;
  std::filesystem::path rootfs_;
  std::unique_ptr<SuperviseDaemon> daemon_;
  std::vector<std::string> ids_;
};

// ---- modes ----

TEST_P(ShimTest, EnforceFromTheEnvironmentAddsThePolicysCallsToTheEnginesProfile) {
  Bundle b = bundle(kProbeBoth, {"TOLLGATE_MODE=enforce", "TOLLGATE_POLICY=time-ok"});
  ProcessResult r = shim_run(b);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "settimeofday: ret=0 errno=0\nmount: ret=-1 errno=EPERM\n") << r.err;
  ASSERT_TRUE(eventually([&] { return events_of(daemon_->events(), b.id).size() == 2; }))
      << read_file(daemon_->events());
  for (const auto& e : events_of(daemon_->events(), b.id)) {
    EXPECT_EQ(e["policy"], "time-ok.json");
    // The OCI state has no process: the shim passes the command along so events and `ctl targets` show it.
    EXPECT_EQ(e["target"]["argv"], json({"sh", "-c", kProbeBoth})) << e.dump();
  }
}

TEST_P(ShimTest, AnnotationsWinOverTheEnvironment) {
  Bundle b = bundle(kProbeBoth, {"TOLLGATE_MODE=bogus", "TOLLGATE_POLICY=no-such-policy"},
                    {{"io.tollgate.mode", "enforce"}, {"io.tollgate.policy", "time-ok"}});
  ProcessResult r = shim_run(b);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "settimeofday: ret=0 errno=0\nmount: ret=-1 errno=EPERM\n") << r.err;
}

TEST_P(ShimTest, AContainerThatAsksForNothingRunsAsWithoutTheShim) {
  Bundle b = bundle(kProbeBoth, {});
  const std::string before = read_file((b.dir / "config.json").string());
  ProcessResult r = shim_run(b);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "settimeofday: ret=-1 errno=EACCES\nmount: ret=-1 errno=EACCES\n") << r.err;
  EXPECT_EQ(read_file((b.dir / "config.json").string()), before);
  EXPECT_TRUE(events_of(daemon_->events(), b.id).empty());
}

TEST_P(ShimTest, ExplainEnforcesTheEnginesProfileExactlyAndReportsEachDenialWithItsEntry) {
  Bundle b = bundle(kProbeBoth, {"TOLLGATE_MODE=explain"});
  ProcessResult r = shim_run(b);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "settimeofday: ret=-1 errno=EACCES\nmount: ret=-1 errno=EACCES\n") << r.err;
  ASSERT_TRUE(eventually([&] { return events_of(daemon_->events(), b.id).size() == 2; }))
      << read_file(daemon_->events());
  for (const auto& e : events_of(daemon_->events(), b.id)) {
    EXPECT_EQ(e["errno"], "EACCES") << e.dump();
    EXPECT_NE(e.dump().find("/syscalls/0"), std::string::npos) << e.dump();  // the entry responsible
  }
}

// Podman's own profile, resolved as an engine resolves it for a container without extra capabilities: a
// denying default (ENOSYS) and an allowlist. The variant lists every other syscall as NOTIFY.
TEST_P(ShimTest, ExplainWithADenyingDefaultNamesTheDefaultAction) {
  Bundle b = bundle("tg_probe add_key; tg_probe getpid", {"TOLLGATE_MODE=explain"});
  json config = json::parse(read_file((b.dir / "config.json").string()));
  const json caps = config["process"]["capabilities"]["bounding"];
  auto has = [](const json& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
  };
  // Docker's rule: every included cap held and amd64 among included arches; no excluded cap held, amd64 not
  // excluded. This kernel is newer than any minKernel.
  json podman = json::parse(read_file(kPodmanProfile));
  json resolved = podman;
  resolved["syscalls"] = json::array();
  for (const auto& entry : podman["syscalls"]) {
    const json in = entry.value("includes", json::object()), out = entry.value("excludes", json::object());
    bool applies = !in.contains("arches") || has(in["arches"], "amd64");
    for (const auto& cap : in.value("caps", json::array())) applies = applies && has(caps, cap);
    for (const auto& cap : out.value("caps", json::array())) applies = applies && !has(caps, cap);
    if (out.contains("arches") && has(out["arches"], "amd64")) applies = false;
    if (!applies) continue;
    json e = entry;
    e.erase("includes");
    e.erase("excludes");
    resolved["syscalls"].push_back(e);
  }
  for (const char* key : {"archMap", "defaultErrnoRet"}) ASSERT_TRUE(resolved.contains(key));
  resolved["architectures"] = {"SCMP_ARCH_X86_64"};
  resolved.erase("archMap");
  config["linux"]["seccomp"] = resolved;
  write_file((b.dir / "config.json").string(), config.dump());

  ProcessResult r = shim_run(b);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("add_key: ret=-1 errno=ENOSYS\n"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("getpid: ret="), std::string::npos) << r.out;
  ASSERT_TRUE(eventually([&] { return !events_of(daemon_->events(), b.id).empty(); }))
      << read_file(daemon_->events());
  json add_key_event;
  for (const auto& e : events_of(daemon_->events(), b.id))
    if (e["syscall"] == "add_key") add_key_event = e;
  ASSERT_TRUE(add_key_event.is_object()) << read_file(daemon_->events());
  EXPECT_EQ(add_key_event["errno"], "ENOSYS");
  EXPECT_NE(add_key_event.dump().find("defaultAction"), std::string::npos) << add_key_event.dump();
}

TEST_P(ShimTest, AuditLetsTheDeniedCallsRunAndRecordsThem) {
  Bundle b = bundle("tg_probe settimeofday", {"TOLLGATE_MODE=audit"});
  ProcessResult r = shim_run(b);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "settimeofday: ret=0 errno=0\n") << r.err;  // the kernel ran it: nothing denied
  ASSERT_TRUE(eventually([&] { return events_of(daemon_->events(), b.id).size() == 1; }))
      << read_file(daemon_->events());
  EXPECT_EQ(events_of(daemon_->events(), b.id)[0]["action"], "allow");
}

// `tollgate ctl report ID --json`: the reply's report once the daemon has it (the container's last listener
// closes a little after the runtime returns).
json report_of(const SuperviseDaemon& daemon, const std::string& id) {
  json reply;
  eventually([&] {
    ProcessResult r =
        run_process({kTollgate, "ctl", "--socket", daemon.control_socket(), "--json", "report", id});
    reply = json::parse(r.out, nullptr, false);
    return r.status == 0 && reply.is_object() && reply.value("ok", false);
  });
  return reply.is_object() && reply.contains("report") ? reply["report"] : json();
}

TEST_P(ShimTest, AuditLeavesAReportAndASuggestedProfileThatExplainThenFindsNothingIn) {
  Bundle b = bundle(kProbeBoth, {"TOLLGATE_MODE=audit"});
  ProcessResult r = shim_run(b);
  EXPECT_EQ(r.status, 0) << r.err;
  const json report = report_of(*daemon_, b.id);
  ASSERT_TRUE(report.is_object()) << daemon_->stderr_text();
  EXPECT_EQ(report["mode"], "audit");
  EXPECT_EQ(report["command"], json({"sh", "-c", kProbeBoth}));
  std::set<std::string> denied;
  for (const auto& f : report["report"]["findings"]) {
    denied.insert(f["syscall"].get<std::string>());
    EXPECT_EQ(f["rule"], "/syscalls/0") << f.dump();  // the engine's entry responsible
    EXPECT_EQ(f["would_be"], "= -1 EACCES") << f.dump();
    EXPECT_EQ(f["count"], 1) << f.dump();
  }
  EXPECT_EQ(denied, std::set<std::string>({"mount", "settimeofday"})) << report.dump();
  EXPECT_NE(report["text"].get<std::string>().find("settimeofday"), std::string::npos);
  ASSERT_EQ(report["files"].size(), 2u) << report.dump();
  const json suggested = json::parse(read_file(report["files"][1].get<std::string>()));
  EXPECT_EQ(suggested["defaultAction"], "SCMP_ACT_ALLOW");
  EXPECT_TRUE(suggested["syscalls"].empty()) << suggested.dump();  // the denying entry's names both went
  // The text form names the files too.
  ProcessResult text = run_process({kTollgate, "ctl", "--socket", daemon_->control_socket(), "report", b.id});
  EXPECT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find(report["files"][1].get<std::string>()), std::string::npos) << text.out;

  // The same container under the suggestion, in explain mode: nothing is denied, so nothing is explained.
  Bundle again = bundle(kProbeBoth, {"TOLLGATE_MODE=explain"});
  json config = json::parse(read_file((again.dir / "config.json").string()));
  config["linux"]["seccomp"] = suggested;
  write_file((again.dir / "config.json").string(), config.dump());
  r = shim_run(again);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find("errno=EACCES"), std::string::npos) << r.out;
  EXPECT_TRUE(events_of(daemon_->events(), again.id).empty()) << read_file(daemon_->events());
}

TEST_P(ShimTest, LearnRecordsAProfileThatRunsTheSameCommandAsTheContainersOwn) {
  const std::string script = "tg_probe getppid; ls / > /dev/null && echo listed";
  Bundle b = bundle(script, {"TOLLGATE_MODE=learn"});
  ProcessResult r = shim_run(b);
  EXPECT_EQ(r.status, 0) << r.err;
  const std::string output = r.out;
  EXPECT_NE(output.find("listed"), std::string::npos) << output << r.err;
  const json report = report_of(*daemon_, b.id);
  ASSERT_TRUE(report.is_object()) << daemon_->stderr_text();
  EXPECT_EQ(report["mode"], "learn");
  ASSERT_EQ(report["files"].size(), 2u) << report.dump();
  const json learned = json::parse(read_file(report["files"][1].get<std::string>()));
  EXPECT_EQ(learned["defaultAction"], "SCMP_ACT_ERRNO");
  const std::string names = learned["syscalls"][0]["names"].dump();
  for (const char* expected : {"\"execve\"", "\"getppid\"", "\"write\""})
    EXPECT_NE(names.find(expected), std::string::npos) << expected << " " << names;

  // The learned profile as the container's own (no tollgate mode): the same command runs the same way,
  // the runtime's own calls after installing it included.
  Bundle under = bundle(script, {});
  json config = json::parse(read_file((under.dir / "config.json").string()));
  config["linux"]["seccomp"] = learned;
  write_file((under.dir / "config.json").string(), config.dump());
  r = shim_run(under);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, output) << r.err;
}

// A container killed while its calls keep reaching the daemon still leaves its report, and the daemon
// carries on with the next container.
TEST_P(ShimTest, AContainerKilledMidCallStillLeavesItsReport) {
  Bundle b = bundle("while :; do tg_probe getpid > /dev/null; done", {"TOLLGATE_MODE=learn"});
  ProcessResult r = shim_create(b);
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(run_process(shim_argv({}, "start", {b.id})).status, 0);
  // Busy: the loop's getpid calls are reaching the daemon.
  ASSERT_TRUE(eventually([&] {
    ProcessResult s = run_process({kTollgate, "ctl", "--socket", daemon_->control_socket(), "--json", "stats"});
    json j = json::parse(s.out, nullptr, false);
    return j.is_object() && j["stats"]["by_syscall"].contains("getpid");
  }));
  EXPECT_EQ(run_process(shim_argv({}, "kill", {b.id, "KILL"})).status, 0);
  const json report = report_of(*daemon_, b.id);
  ASSERT_TRUE(report.is_object()) << daemon_->stderr_text();
  EXPECT_NE(report["report"]["syscalls"].dump().find("getpid"), std::string::npos);
  EXPECT_TRUE(daemon_->alive());

  Bundle next = bundle("tg_probe settimeofday", {"TOLLGATE_MODE=audit"});
  r = shim_run(next);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(report_of(*daemon_, next.id).is_object());
}

TEST_P(ShimTest, AReportForAnUnknownContainerIsAClearError) {
  ProcessResult r =
      run_process({kTollgate, "ctl", "--socket", daemon_->control_socket(), "report", "no-such-container"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no report for container \"no-such-container\""), std::string::npos) << r.err;
}

// ---- failing closed, with the message where the engine looks ----

TEST_P(ShimTest, DaemonDownFailsTheContainerNamingTheSocketInStderrAndTheRuntimeLog) {
  const std::string absent = dir_.file("absent.sock");
  write_runtime_config(absent);
  Bundle b = bundle("echo the command ran", {"TOLLGATE_MODE=enforce"});
  const std::string log = dir_.file("runtime-log.json");
  ProcessResult r = shim_run(b, {"--log", log, "--log-format", "json"});
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.out.find("the command ran"), std::string::npos);
  EXPECT_NE(r.err.find(absent), std::string::npos) << r.err;
  json line = json::parse(read_file(log));
  EXPECT_EQ(line["level"], "error");
  EXPECT_NE(line["msg"].get<std::string>().find(absent), std::string::npos) << line.dump();
  EXPECT_TRUE(line.contains("time"));
}

TEST_P(ShimTest, AnUnknownModeOrPolicyStopsTheContainer) {
  Bundle later = bundle("echo the command ran", {"TOLLGATE_MODE=command-only"});
  ProcessResult r = shim_run(later);
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("mode command-only"), std::string::npos) << r.err;

  Bundle bad_mode = bundle("echo the command ran", {"TOLLGATE_MODE=enforcing"});
  r = shim_run(bad_mode, {"--log", dir_.file("text.log")});
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("\"enforcing\""), std::string::npos) << r.err;
  EXPECT_NE(read_file(dir_.file("text.log")).find("level=error msg=\"unknown tollgate mode"),
            std::string::npos);

  Bundle bad_policy = bundle("echo the command ran", {"TOLLGATE_MODE=enforce", "TOLLGATE_POLICY=../etc/x"});
  r = shim_run(bad_policy);
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("../etc/x"), std::string::npos) << r.err;
}

TEST_P(ShimTest, AMalformedConfigOrAMissingBundleIsReported) {
  Bundle b = bundle("true", {});
  write_file((b.dir / "config.json").string(), "{\"ociVersion\": ");
  ProcessResult r = shim_run(b);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("config.json is not a JSON object"), std::string::npos) << r.err;

  r = run_process(shim_argv({}, "run", {"--bundle", dir_.file("no-bundle"), "x"}));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("cannot read " + dir_.file("no-bundle") + "/config.json"), std::string::npos) << r.err;
}

// ---- everything else is the runtime's own ----

TEST_P(ShimTest, TheContainersExitStatusIsTheShims) {
  Bundle b = bundle("exit 7", {"TOLLGATE_MODE=enforce", "TOLLGATE_POLICY=time-ok"});
  EXPECT_EQ(shim_run(b).status, 7);
}

TEST_P(ShimTest, CreateStateKillDeleteGoThroughUnchanged) {
  Bundle b = bundle("tg_probe settimeofday > /dev/null; exec sleep 1000",
                    {"TOLLGATE_MODE=enforce", "TOLLGATE_POLICY=time-ok"});
  ProcessResult r = shim_create(b);
  ASSERT_EQ(r.status, 0) << r.err;

  auto state = [&] {
    ProcessResult s = run_process(shim_argv({}, "state", {b.id}));
    json j = json::parse(s.out, nullptr, false);
    return j.is_object() ? j.value("status", "") : "";
  };
  EXPECT_EQ(state(), "created");
  EXPECT_EQ(run_process(shim_argv({}, "start", {b.id})).status, 0);
  // The init's settimeofday reaches the daemon: the shim's rewrite is what the runtime installed.
  EXPECT_TRUE(eventually([&] { return events_of(daemon_->events(), b.id).size() == 1; }));
  EXPECT_EQ(state(), "running");
  EXPECT_EQ(run_process(shim_argv({}, "kill", {b.id, "KILL"})).status, 0);
  ASSERT_TRUE(eventually([&] { return state() == "stopped"; }));
  EXPECT_EQ(run_process(shim_argv({}, "delete", {b.id})).status, 0);

  // The runtime's own failure, status and message, for a container that is gone and for a flag it lacks.
  ProcessResult through = run_process(shim_argv({}, "state", {b.id}));
  ProcessResult direct = run_process({runtime_path(), "--root", state_root(), "state", b.id});
  EXPECT_NE(through.status, 0);
  EXPECT_EQ(through.status, direct.status);
  EXPECT_EQ(through.out, direct.out);
  ProcessResult unknown_through = run_process(shim_argv({"--no-such-flag"}, "list", {}));
  ProcessResult unknown_direct =
      run_process({runtime_path(), "--root", state_root(), "--no-such-flag", "list"});
  EXPECT_NE(unknown_through.status, 0);
  EXPECT_EQ(unknown_through.status, unknown_direct.status);
}

// ---- command-only: the runtime without the profile, the command under it (story 4) ----

// Podman's profile without the calls runc and crun make after installing it (tollgate lint --runtime):
// too tight for either runtime, fine for a static command.
json too_tight_for_the_runtimes() {
  json profile = json::parse(read_file(kPodmanProfile));
  const std::set<std::string> removed = {"statx", "newfstatat", "lstat", "fstat", "fstatfs", "prctl"};
  for (auto& entry : profile["syscalls"]) {
    json kept = json::array();
    for (const auto& name : entry["names"])
      if (!removed.contains(name.get<std::string>())) kept.push_back(name);
    entry["names"] = kept;
  }
  profile["defaultErrnoRet"] = 1;
  return profile;
}

// Edits a bundle's config.json.
void edit_config(const Bundle& b, const std::function<void(json&)>& edit) {
  const std::string path = (b.dir / "config.json").string();
  json config = json::parse(read_file(path));
  edit(config);
  write_file(path, config.dump(2));
}

// As Docker and Podman run containers: without noNewPrivileges, so the runtime installs the profile while
// it still has CAP_SYS_ADMIN and then makes its last calls under it.
void like_an_engine(json& config) {
  config["process"]["noNewPrivileges"] = false;
}

size_t files_in(const std::string& dir) {
  std::error_code ignored;
  if (!std::filesystem::exists(dir, ignored)) return 0;
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

TEST_P(ShimTest, CommandOnlyStartsAContainerWhoseProfileIsTooTightForTheRuntime) {
  auto tight = [](json& config) {
    like_an_engine(config);
    config["process"]["args"] = {"tg_probe", "add_key"};
    config["linux"]["seccomp"] = too_tight_for_the_runtimes();
  };
  Bundle plain = bundle("", {});
  edit_config(plain, tight);
  ProcessResult without = shim_run(plain);
  EXPECT_NE(without.status, 0);
  EXPECT_EQ(without.out.find("add_key"), std::string::npos) << without.out;

  Bundle b = bundle("", {"TOLLGATE_MODE=command-only"});
  edit_config(b, tight);
  // The command's own denied call fails as the profile says (its default: errno 1).
  EXPECT_EQ(shim_create_start_wait(b), "add_key: ret=-1 errno=EPERM\n");
  EXPECT_EQ(files_in(command_only_dir()), 1u);
  EXPECT_EQ(run_process(shim_argv({}, "delete", {b.id})).status, 0);
  EXPECT_EQ(files_in(command_only_dir()), 0u);
}

TEST_P(ShimTest, CommandOnlyNeedsNoDaemonAndSetsNoNewPrivsOnlyWithoutCapSysAdmin) {
  write_runtime_config(dir_.file("absent.sock"));
  const std::string script = "tg_probe settimeofday; tg_probe mount none /mnt tmpfs; "
                             "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status";
  Bundle b = bundle(script, {"TOLLGATE_MODE=command-only"});
  edit_config(b, like_an_engine);
  EXPECT_EQ(shim_create_start_wait(b),
            "settimeofday: ret=-1 errno=EACCES\nmount: ret=-1 errno=EACCES\nNoNewPrivs:\t1\nSeccomp:\t2\n");
  // What the runtime was given: no profile, the agent in front of the command, nothing of the image hidden.
  json config = json::parse(read_file((b.dir / "config.json").string()));
  EXPECT_FALSE(config["linux"].contains("seccomp"));
  EXPECT_EQ(config["process"]["args"], json({"/dev/.tollgate/agent", "/dev/.tollgate/filter.bpf", "--", "sh",
                                             "-c", script}));
  EXPECT_FALSE(std::filesystem::exists(rootfs_ / "dev" / ".tollgate"));
  EXPECT_TRUE(events_of(daemon_->events(), b.id).empty());

  Bundle admin = bundle(script, {"TOLLGATE_MODE=command-only"});
  edit_config(admin, [](json& c) {
    like_an_engine(c);
    for (const char* set : {"bounding", "effective", "permitted"})
      c["process"]["capabilities"][set].push_back("CAP_SYS_ADMIN");
  });
  EXPECT_EQ(shim_create_start_wait(admin),
            "settimeofday: ret=-1 errno=EACCES\nmount: ret=-1 errno=EACCES\nNoNewPrivs:\t0\nSeccomp:\t2\n");
}

TEST_P(ShimTest, CommandOnlyExecRunsUnderTheProfileAndDeleteRemovesTheFilter) {
  Bundle b = bundle("exec sleep 1000", {"TOLLGATE_MODE=command-only"});
  edit_config(b, like_an_engine);
  ASSERT_EQ(shim_create(b).status, 0) << read_file(output_of(b));
  ASSERT_EQ(run_process(shim_argv({}, "start", {b.id})).status, 0);
  EXPECT_EQ(state_of(b), "running");
  EXPECT_EQ(files_in(command_only_dir()), 1u);

  // `docker exec` hands the runtime a process file: the shim puts the agent in front of it as well.
  const std::string process = dir_.file("process.json");
  write_file(process, json{{"args", {"tg_probe", "settimeofday"}},
                           {"cwd", "/"},
                           {"env", {"PATH=/bin:/usr/bin"}},
                           {"user", {{"uid", 0}, {"gid", 0}}},
                           {"terminal", false}}
                          .dump());
  ProcessResult exec = run_process(shim_argv({}, "exec", {"--process", process, b.id}));
  EXPECT_EQ(exec.status, 0) << exec.err;
  EXPECT_EQ(exec.out, "settimeofday: ret=-1 errno=EACCES\n") << exec.err;
  // A command given on the command line cannot be put under the profile: refused, not run unfiltered.
  ProcessResult bare = run_process(shim_argv({}, "exec", {b.id, "tg_probe", "settimeofday"}));
  EXPECT_NE(bare.status, 0);
  EXPECT_EQ(bare.out, "");
  EXPECT_NE(bare.err.find("--process"), std::string::npos) << bare.err;

  EXPECT_EQ(run_process(shim_argv({}, "delete", {"--force", b.id})).status, 0);
  EXPECT_EQ(files_in(command_only_dir()), 0u);
}

TEST_P(ShimTest, CommandOnlyRefusesWhatItCannotInstallNamingTheContainer) {
  struct Case {
    std::string expected;
    std::function<void(json&)> edit;
  };
  const std::vector<Case> cases = {
      {"SCMP_ACT_NOTIFY",
       [](json& c) { c["linux"]["seccomp"]["syscalls"].push_back({{"names", {"uname"}}, {"action", "SCMP_ACT_NOTIFY"}}); }},
      {"does not compile", [](json& c) { c["linux"]["seccomp"]["defaultAction"] = "SCMP_ACT_BOGUS"; }},
      {"no seccomp profile", [](json& c) { c["linux"].erase("seccomp"); }},
      {"has no args", [](json& c) { c["process"]["args"] = json::array(); }},
      {"already mounts /dev/.tollgate",
       [](json& c) { c["mounts"].push_back({{"destination", "/dev/.tollgate"}, {"type", "tmpfs"}, {"source", "x"}}); }},
      {"names the tollgate policy", [](json& c) { c["process"]["env"].push_back("TOLLGATE_POLICY=time-ok"); }},
  };
  for (const Case& c : cases) {
    Bundle b = bundle("echo the command ran", {"TOLLGATE_MODE=command-only"});
    edit_config(b, c.edit);
    const std::string before = read_file((b.dir / "config.json").string());
    ProcessResult r = shim_create(b);
    EXPECT_NE(r.status, 0) << c.expected;
    EXPECT_EQ(r.err.find("the command ran"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("tollgate: container " + b.id + " (tollgate mode command-only"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
    EXPECT_EQ(read_file((b.dir / "config.json").string()), before) << c.expected;
    EXPECT_EQ(files_in(command_only_dir()), 0u) << c.expected;
  }
  // `run` in the foreground: the runtime deletes the container itself and the filter file would stay.
  Bundle b = bundle("echo the command ran", {"TOLLGATE_MODE=command-only"});
  ProcessResult r = shim_run(b);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("run --detach"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Runtimes, ShimTest, ::testing::Values(Runtime::Runc, Runtime::Crun),
                         [](const ::testing::TestParamInfo<Runtime>& p) { return runtime_name(p.param); });

}  // namespace
}  // namespace tollgate::testing
