// `tollgate shim` driven the way Docker, Podman and containerd drive runc: a bundle, then
// `shim [global flags] create|run|state|kill|delete ...`, with the real runtime (runc or crun) named in a
// test runtime.json and a `tollgate supervise` daemon started here. What is checked is what the container's
// process observes and what the daemon records.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
  void write_runtime_config(const std::string& socket) {
    write_file(
        dir_.file("runtime.json"),
        json{{"runtime", runtime_path()}, {"socket", socket}, {"policyDir", dir_.file("policies")}}.dump());
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
  Bundle later = bundle("echo the command ran", {"TOLLGATE_MODE=learn"});
  ProcessResult r = shim_run(later);
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("mode learn"), std::string::npos) << r.err;

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
  // The container's stdio would keep a captured pipe open: engines give it files or fifos, so does this test.
  std::vector<std::string> create = shim_argv({}, "create", {"--bundle", b.dir.string(), b.id});
  std::string line;
  for (const auto& a : create) line += "'" + a + "' ";
  ProcessResult r =
      run_process({"/bin/sh", "-c", line + "</dev/null >/dev/null 2>" + dir_.file("create.err")});
  ASSERT_EQ(r.status, 0) << read_file(dir_.file("create.err"));

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

INSTANTIATE_TEST_SUITE_P(Runtimes, ShimTest, ::testing::Values(Runtime::Runc, Runtime::Crun),
                         [](const ::testing::TestParamInfo<Runtime>& p) { return runtime_name(p.param); });

}  // namespace
}  // namespace tollgate::testing
