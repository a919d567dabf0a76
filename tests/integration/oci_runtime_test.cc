// `tollgate supervise` as the seccomp agent of real runc and crun containers (linux.seccomp.listenerPath):
// policy selection per container, decisions seen inside, events naming the container, `runc exec`,
// concurrent containers, hostile runtime messages, and release of everything when a container exits.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/integration/container_events.h"
#include "tests/integration/harness.h"
#include "tests/integration/oci_container.h"
#include "tests/integration/raw_handover_client.h"

namespace tollgate::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

// A tollgate policy for containers: only the rules matter (the container's config.json is the filter).
std::string policy(const std::string& settimeofday_rule) {
  return R"({"comment": "test policy for containers", "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [],
    "rules": [)" +
         settimeofday_rule + R"(,
      {"name": "deny-mount", "syscalls": ["mount"], "action": "deny", "errno": "EPERM", "comment": "test"}]})";
}

std::string deny_settimeofday(const std::string& errno_name) {
  return R"({"name": "settimeofday-)" + errno_name +
         R"(", "syscalls": ["settimeofday"], "action": "deny", "errno": ")" + errno_name +
         R"(", "comment": "test"})";
}

const std::vector<std::string> kErrnos = {"EACCES", "EBUSY", "EEXIST", "ENOSPC", "EROFS"};

class OciTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(policy_dir());
    write_file(policy_dir() + "/time-ok.json",
               policy(R"({"name": "pretend-settimeofday", "syscalls": ["settimeofday"], "action": "emulate",
                   "handler": "time", "options": {"mode": "pretend"}, "comment": "test"})"));
    write_file(policy_dir() + "/fallback.json", policy(deny_settimeofday("EXDEV")));
    for (const auto& e : kErrnos)
      write_file(policy_dir() + "/errno-" + e + ".json", policy(deny_settimeofday(e)));
    write_file(dir_.file("outside.json"), policy(deny_settimeofday("ENOTBLK")));
    rootfs_ = build_busybox_rootfs(dir_.path());
    daemon_ = std::make_unique<SuperviseDaemon>(
        dir_, true, std::vector<std::string>{"--policy-dir", policy_dir(), "--default-policy", "fallback"});
    baseline_fds_ = stable_fd_count(daemon_->pid());
  }
  void TearDown() override {
    if (!daemon_) return;  // it never started: SetUp has already failed the test
    EXPECT_TRUE(daemon_->alive()) << daemon_->stderr_text();
    // Every container is gone: the daemon holds exactly what it held before the first one.
    EXPECT_TRUE(eventually([&] { return count_open_fds(daemon_->pid()) == baseline_fds_; }))
        << count_open_fds(daemon_->pid()) << " fds, baseline " << baseline_fds_;
  }

  std::string policy_dir() const { return dir_.file("policies"); }
  std::unique_ptr<OciContainer> container(Runtime runtime, const std::string& metadata,
                                          const std::vector<std::string>& args,
                                          std::map<std::string, std::string> annotations = {},
                                          const std::string& listener_path = {}) {
    ContainerSpec spec;
    spec.args = args;
    spec.listener_path = listener_path.empty() ? daemon_->socket() : listener_path;
    spec.listener_metadata = metadata;
    spec.annotations = std::move(annotations);
    return std::make_unique<OciContainer>(runtime, dir_.path() / ("bundle" + std::to_string(bundles_++)),
                                          rootfs_, spec);
  }
  bool logged(const std::string& text) const {
    return daemon_->stderr_text().find(text) != std::string::npos;
  }

  TempDir dir_;
  std::filesystem::path rootfs_;
  std::unique_ptr<SuperviseDaemon> daemon_;
  size_t baseline_fds_ = 0;
  int bundles_ = 0;
};

// ---- the same scenario under runc and crun ----

class OciRuntimeTest : public OciTest, public ::testing::WithParamInterface<Runtime> {};

TEST_P(OciRuntimeTest, NotifiedCallsGetTheSelectedPolicysDecisionsInsideTheContainer) {
  auto c = container(GetParam(), "policy=time-ok\nmode=enforce",
                     {"sh", "-c", "tg_probe settimeofday; tg_probe mount none /mnt tmpfs"});
  ProcessResult r = run_process(c->run_argv(), seconds(60));
  EXPECT_EQ(r.status, 0) << r.err;
  // settimeofday: emulated by the time handler in pretend mode (success, clock untouched); mount: the
  // policy's EPERM.
  EXPECT_NE(r.out.find("settimeofday: ret=0 errno=0"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("mount: ret=-1 errno=EPERM"), std::string::npos) << r.out << r.err;

  ASSERT_TRUE(eventually([&] { return events_of(daemon_->events(), c->id()).size() == 2; }))
      << read_file(daemon_->events());
  auto events = events_of(daemon_->events(), c->id());
  EXPECT_EQ(events[0]["rule"], "pretend-settimeofday");
  EXPECT_EQ(events[0]["action"], "value") << events[0].dump();  // the handler's answer: 0
  EXPECT_EQ(events[0]["reason"], "emulated") << events[0].dump();
  EXPECT_EQ(events[1]["rule"], "deny-mount");
  for (const auto& e : events) {
    EXPECT_EQ(e["policy"], "time-ok.json");
    EXPECT_EQ(e["container"]["bundle"], (dir_.path() / "bundle0").string());
  }
  EXPECT_TRUE(eventually([&] {
    return logged("container " + c->id() + ": last supervised process gone, released");
  })) << daemon_->stderr_text();
}

// ---- policy selection ----

TEST_F(OciTest, FiveConcurrentContainersEachGetTheirOwnPolicy) {
  std::vector<std::unique_ptr<OciContainer>> containers;
  std::vector<std::unique_ptr<BackgroundProcess>> runs;
  // Each container makes one call, waits until every container has made one (the test then creates /go in
  // the shared rootfs), and makes another: all five are supervised at the same time.
  for (size_t i = 0; i < kErrnos.size(); ++i)
    containers.push_back(
        container(Runtime::Runc, "policy=errno-" + kErrnos[i],
                  {"sh", "-c",
                   "tg_probe settimeofday; while [ ! -e /go ]; do sleep 0.05; done; tg_probe settimeofday"}));
  for (size_t i = 0; i < containers.size(); ++i)
    runs.push_back(std::make_unique<BackgroundProcess>(containers[i]->run_argv(),
                                                       dir_.file("out" + std::to_string(i)),
                                                       dir_.file("err" + std::to_string(i))));
  for (size_t i = 0; i < containers.size(); ++i)
    ASSERT_TRUE(eventually([&] { return events_of(daemon_->events(), containers[i]->id()).size() == 1; }))
        << "container " << i << " made no call: " << read_file(dir_.file("err" + std::to_string(i)));
  write_file((rootfs_ / "go").string(), "");
  for (size_t i = 0; i < runs.size(); ++i) {
    auto status = runs[i]->wait(seconds(120));
    ASSERT_TRUE(status.has_value()) << "container " << i << " hung";
    EXPECT_EQ(*status, 0) << read_file(dir_.file("err" + std::to_string(i)));
    const std::string out = read_file(dir_.file("out" + std::to_string(i)));
    const std::string expected = "settimeofday: ret=-1 errno=" + kErrnos[i] + "\n";
    EXPECT_EQ(out, expected + expected) << "container " << i;
    // Events are written just after the answer: the container may have exited first.
    EXPECT_TRUE(eventually([&] { return events_of(daemon_->events(), containers[i]->id()).size() == 2; }));
    auto events = events_of(daemon_->events(), containers[i]->id());
    for (const auto& e : events) EXPECT_EQ(e["policy"], "errno-" + kErrnos[i] + ".json");
  }
}

TEST_F(OciTest, AnnotationThenDefaultPolicy) {
  auto annotated =
      container(Runtime::Runc, "", {"tg_probe", "settimeofday"}, {{"io.tollgate.policy", "errno-EBUSY"}});
  ProcessResult r = run_process(annotated->run_argv());
  EXPECT_EQ(r.out, "settimeofday: ret=-1 errno=EBUSY\n") << r.err;
  // Metadata beats the annotation.
  auto both = container(Runtime::Runc, "policy=errno-EROFS", {"tg_probe", "settimeofday"},
                        {{"io.tollgate.policy", "errno-EBUSY"}});
  r = run_process(both->run_argv());
  EXPECT_EQ(r.out, "settimeofday: ret=-1 errno=EROFS\n") << r.err;
  auto plain = container(Runtime::Runc, "", {"tg_probe", "settimeofday"});
  r = run_process(plain->run_argv());
  EXPECT_EQ(r.out, "settimeofday: ret=-1 errno=EXDEV\n") << r.err;  // --default-policy fallback
  EXPECT_TRUE(logged("container " + plain->id() + " (bundle " + (dir_.path() / "bundle2").string() +
                     "): policy fallback.json (from default), mode enforce"))
      << daemon_->stderr_text();
}

TEST_F(OciTest, ASeparateOciSocketServesContainersToo) {
  TempDir other;
  SuperviseDaemon daemon(
      other, true,
      {"--policy-dir", policy_dir(), "--default-policy", "fallback", "--oci-socket", other.file("oci.sock")});
  auto c = container(Runtime::Runc, "policy=errno-EACCES", {"tg_probe", "settimeofday"}, {},
                     other.file("oci.sock"));
  ProcessResult r = run_process(c->run_argv());
  EXPECT_EQ(r.out, "settimeofday: ret=-1 errno=EACCES\n") << r.err;
  ASSERT_TRUE(eventually([&] { return events_of(daemon.events(), c->id()).size() == 1; }));

  // A runtime that fails early on the OCI socket is logged as what it did, not as invalid JSON.
  ::close(connect_to(other.file("oci.sock")));
  EXPECT_TRUE(eventually([&] {
    return daemon.stderr_text().find("the peer closed the connection without sending anything") != std::string::npos;
  })) << daemon.stderr_text();
  EXPECT_NE(hand_over(other.file("oci.sock"), {{R"({"ociVersion": "1.0.2", "fds": ["seccompFd"], "pid")", {}}})
                .find("the peer closed the connection in the middle of its message (after 51 bytes)"),
            std::string::npos);
  EXPECT_EQ(daemon.stop(), 0);
  EXPECT_FALSE(std::filesystem::exists(other.file("oci.sock")));  // removed on SIGTERM like --socket
}

TEST_F(OciTest, AnUnchangedPodmanProfileInThePolicyDirectoryServesContainersWithOneNote) {
  // Podman's profile names syscalls x86_64 does not have (bdflush, ...): left out as runc does, and said once
  // per file however many containers use it.
  const std::string copy = policy_dir() + "/podman.json";
  std::filesystem::copy_file(kPodmanProfile, copy);
  for (int i = 0; i < 2; ++i) {
    auto c = container(Runtime::Runc, "policy=podman", {"tg_probe", "settimeofday"});
    ProcessResult r = run_process(c->run_argv());
    EXPECT_EQ(r.status, 0) << r.err << daemon_->stderr_text();
    EXPECT_EQ(r.out, "settimeofday: ret=-1 errno=EPERM\n") << r.err;  // a profile has no rules: deny
    EXPECT_TRUE(logged("container " + c->id() + " (bundle")) << daemon_->stderr_text();
  }
  const std::string log = daemon_->stderr_text();
  const std::string note = "note: " + copy + ": left out of the filter, as runc does (no such syscall here): bdflush";
  ASSERT_NE(log.find(note), std::string::npos) << log;
  EXPECT_EQ(log.find(note, log.find(note) + 1), std::string::npos) << "noted once: " << log;
}

TEST_F(OciTest, TheStartUpLineNamesEverySocketARuntimeMayUse) {
  TempDir other;
  BackgroundProcess daemon({kTollgate, "supervise", "--socket", other.file("s.sock"), "--control-socket",
                            other.file("c.sock"), "--oci-socket", other.file("oci.sock"), "--policy-dir",
                            policy_dir(), "--default-policy", "fallback"},
                           other.file("out"), other.file("err"));
  const std::string line = "supervising; handovers and OCI runtimes at " + other.file("s.sock") +
                           ", OCI runtimes also at " + other.file("oci.sock") + " (--oci-socket)";
  EXPECT_TRUE(eventually([&] { return read_file(other.file("err")).find(line) != std::string::npos; }))
      << read_file(other.file("err"));
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(seconds(30)), 0);
}

TEST_F(OciTest, ADefaultPolicyThatDoesNotLoadStopsTheDaemonAtStart) {
  for (const std::string& name : {std::string("nope"), std::string("../outside")}) {
    ProcessResult r = run_process({kTollgate, "supervise", "--socket", dir_.file("never.sock"),
                                   "--policy-dir", policy_dir(), "--default-policy", name},
                                  seconds(10));
    EXPECT_EQ(r.status, 2) << name;
    EXPECT_NE(r.err.find("default policy: policy \"" + name + "\""), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir_.file("never.sock")));
  }
}

TEST_F(OciTest, WithoutPolicyOptionsAMissingDefaultOnlyAffectsContainers) {
  // An empty policy directory through the environment: agents are still served, containers refused.
  TempDir other;
  std::filesystem::create_directories(other.file("empty"));
  setenv("TOLLGATE_POLICY_DIR", other.file("empty").c_str(), 1);
  SuperviseDaemon daemon(other);
  unsetenv("TOLLGATE_POLICY_DIR");
  EXPECT_NE(daemon.stderr_text().find("containers that name no policy will be refused"), std::string::npos)
      << daemon.stderr_text();
  ProcessResult agent =
      run_process({kTollgate, "run", "-q", "--supervisor", daemon.socket(), "--", kProbe, "settimeofday"});
  EXPECT_NE(agent.out.find("settimeofday: ret=-1 errno=EPERM"), std::string::npos) << agent.out << agent.err;
  auto c = container(Runtime::Runc, "", {"tg_probe", "settimeofday"}, {}, daemon.socket());
  ProcessResult r = run_process(c->run_argv());
  EXPECT_EQ(r.out, "settimeofday: ret=-1 errno=ENOSYS\n") << r.err;
}

// A refused container's listener is closed: the kernel then fails its notified calls with ENOSYS, and the
// policy outside the directory never decides anything.
TEST_F(OciTest, PoliciesOutsideTheDirectoryAndUnknownModesAreRefused) {
  const std::pair<std::string, std::string> cases[] = {
      {"policy=../outside", "\"..\" is refused"},
      {"policy=" + dir_.file("outside.json"), "absolute paths are refused"},
      {"policy=no-such-policy", "no such policy"},
      {"mode=permissive", "mode must be audit, explain, enforce or learn"},
  };
  for (const auto& [metadata, why] : cases) {
    auto c = container(Runtime::Runc, metadata, {"tg_probe", "settimeofday"});
    ProcessResult r = run_process(c->run_argv());
    EXPECT_EQ(r.out, "settimeofday: ret=-1 errno=ENOSYS\n") << metadata << ": " << r.err;
    EXPECT_TRUE(eventually([&] { return logged("container " + c->id() + ": "); }));
    EXPECT_TRUE(logged(why)) << metadata << ": " << daemon_->stderr_text();
    EXPECT_TRUE(events_of(daemon_->events(), c->id()).empty());
  }
}

// ---- grouping ----

// crun 1.8.1 sends `crun exec` processes with pid 0, bundle "." and no annotations: grouping by the container
// id is what keeps the annotation-selected policy for them.
TEST_P(OciRuntimeTest, ExecIsSupervisedUnderTheSameContainer) {
  const std::vector<std::string> init = {"sh", "-c",
                                         "tg_probe mount none /mnt tmpfs; while [ ! -e /go ]; do sleep 0.05; done"};
  auto c = container(GetParam(), "", init, {{"io.tollgate.policy", "errno-EBUSY"}});
  BackgroundProcess run(c->run_argv(), dir_.file("run.out"), dir_.file("run.err"));
  ASSERT_TRUE(eventually([&] { return events_of(daemon_->events(), c->id()).size() == 1; }, seconds(30)))
      << read_file(dir_.file("run.err"));

  ProcessResult exec = run_process(c->exec_argv({"tg_probe", "settimeofday"}));
  EXPECT_EQ(exec.out, "settimeofday: ret=-1 errno=EBUSY\n")
      << exec.err;  // the container's policy, not the default
  EXPECT_TRUE(logged("supervised (2 listeners)")) << daemon_->stderr_text();
  EXPECT_GT(count_open_fds(daemon_->pid()), baseline_fds_);  // the init's listener, held while it runs
  ASSERT_TRUE(eventually([&] { return events_of(daemon_->events(), c->id()).size() == 2; }));
  auto events = events_of(daemon_->events(), c->id());
  EXPECT_NE(events[0]["target"]["pid"], events[1]["target"]["pid"]);  // two processes, one container
  EXPECT_EQ(events[1]["rule"], "settimeofday-EBUSY");
  EXPECT_EQ(events[1]["container"]["bundle"], events[0]["container"]["bundle"]);
  // The exec'd process left; the container is still supervised.
  EXPECT_FALSE(logged("container " + c->id() + ": last supervised process gone"));
  // `ctl targets` names the container, in JSON and for people.
  ProcessResult ctl =
      run_process({kTollgate, "ctl", "--socket", daemon_->control_socket(), "targets", "--json"});
  ASSERT_EQ(ctl.status, 0) << ctl.err;
  auto targets = nlohmann::json::parse(ctl.out)["targets"];
  ASSERT_EQ(targets.size(), 1u) << ctl.out;
  EXPECT_EQ(targets[0]["container"]["id"], c->id());
  EXPECT_EQ(targets[0]["container"]["bundle"], events[0]["container"]["bundle"]);
  // A bare listenerPath carries no command (no io.tollgate.args): the daemon shows the init's from /proc.
  EXPECT_EQ(targets[0]["argv"], json(init)) << ctl.out;
  ctl = run_process({kTollgate, "ctl", "--socket", daemon_->control_socket(), "targets"});
  EXPECT_NE(ctl.out.find("[container " + c->id() + "] sh -c tg_probe mount"), std::string::npos) << ctl.out;

  write_file((rootfs_ / "go").string(), "");
  auto status = run.wait(seconds(30));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0);
  EXPECT_TRUE(eventually(
      [&] { return logged("container " + c->id() + ": last supervised process gone, released"); }));
  EXPECT_TRUE(eventually([&] { return count_open_fds(daemon_->pid()) == baseline_fds_; }));
}

// ---- hostile runtime messages next to a running container ----

// A child under a filter that notifies getppid, and its listener (taken with pidfd_getfd): what a runtime
// would hand over.
struct FilteredChild {
  pid_t pid = -1;
  int listener = -1;
  ~FilteredChild() {
    if (listener >= 0) close(listener);
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

void start_filtered_child(FilteredChild& child) {
  int report[2];
  ASSERT_EQ(pipe2(report, O_CLOEXEC), 0);
  child.pid = fork();
  if (child.pid == 0) {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog prog{4, filter};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    int fd = static_cast<int>(
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
    if (write(report[1], &fd, sizeof fd) != sizeof fd) _exit(1);
    while (true) pause();
  }
  close(report[1]);
  int fd = -1;
  ASSERT_EQ(read(report[0], &fd, sizeof fd), static_cast<ssize_t>(sizeof fd));
  close(report[0]);
  ASSERT_GE(fd, 0);
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child.pid, 0));
  ASSERT_GE(pidfd, 0);
  child.listener = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, fd, 0));
  close(pidfd);
  ASSERT_GE(child.listener, 0);
}

std::string oci_message(const std::string& id, pid_t pid, const json& fds) {
  return json{{"ociVersion", "1.0.2-dev"},
              {"fds", fds},
              {"pid", pid},
              {"metadata", ""},
              {"state",
               {{"ociVersion", "1.0.2-dev"},
                {"id", id},
                {"status", "creating"},
                {"pid", pid},
                {"bundle", "/nowhere"}}}}
      .dump();
}

TEST_F(OciTest, HostileMessagesLeaveARunningContainerAlone) {
  // The running container's own message is over 100 KiB (a big annotation), as real specs can be.
  auto c = container(Runtime::Runc, "policy=time-ok",
                     {"sh", "-c",
                      "tg_probe mount none /mnt tmpfs; while [ ! -e /go ]; do sleep 0.05; done; "
                      "tg_probe mount none /mnt tmpfs"},
                     {{"io.tollgate.test.padding", std::string(100 * 1024, 'x')}});
  BackgroundProcess run(c->run_argv(), dir_.file("run.out"), dir_.file("run.err"));
  ASSERT_TRUE(eventually([&] { return events_of(daemon_->events(), c->id()).size() == 1; }, seconds(30)))
      << read_file(dir_.file("run.err")) << daemon_->stderr_text();

  // Connects and closes without a byte: logged as what happened.
  ::close(connect_to(daemon_->socket()));
  EXPECT_TRUE(eventually([&] { return logged("the peer closed the connection without sending anything"); }))
      << daemon_->stderr_text();

  int silent = connect_to(daemon_->socket());  // sends nothing, stays open
  ASSERT_GE(silent, 0);

  EXPECT_NE(hand_over(daemon_->socket(), {{R"({"ociVersion":"1.0.2","fds":[}, "pid": 1 })", {}}})
                .find("not valid JSON"),
            std::string::npos);
  EXPECT_NE(
      hand_over(daemon_->socket(), {{oci_message("no-fd", 1, {"seccompFd"}), {}}}).find("0 were passed"),
      std::string::npos);

  // Two fds where the message names one: refused, both closed.
  TwoPipesResult two = hand_over_with_two_pipes(daemon_->socket(), oci_message("two-fds", 1, {"seccompFd"}));
  EXPECT_NE(two.answer.find("2 were passed"), std::string::npos) << two.answer;
  EXPECT_TRUE(two.both_closed);

  // Two fds, named: the listener is served, the other fd closed at once.
  {
    FilteredChild child;
    start_filtered_child(child);
    int extra[2];
    ASSERT_EQ(pipe2(extra, O_CLOEXEC), 0);
    const std::string id = "fake-" + c->id();
    std::string answer =
        hand_over(daemon_->socket(),
                  {{oci_message(id, child.pid, {"pidFd", "seccompFd"}), {extra[1], child.listener}}});
    EXPECT_NE(answer.find("\"ok\":true"), std::string::npos) << answer;
    close(extra[1]);
    EXPECT_TRUE(write_end_closed_everywhere(extra[0]));
    close(extra[0]);
    EXPECT_TRUE(logged("container " + id + ": process " + std::to_string(child.pid) + " supervised"));
    // child's destructor kills it: its container is released with it.
  }

  write_file((rootfs_ / "go").string(), "");
  auto status = run.wait(seconds(30));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0);
  EXPECT_EQ(read_file(dir_.file("run.out")), "mount: ret=-1 errno=EPERM\nmount: ret=-1 errno=EPERM\n");
  EXPECT_TRUE(eventually([&] { return events_of(daemon_->events(), c->id()).size() == 2; }));

  std::string answer = read_answer(silent, 15000);  // the daemon gives up on it after 5 s
  EXPECT_NE(answer.find("timed out"), std::string::npos) << answer;
  close(silent);
  EXPECT_TRUE(
      eventually([&] { return logged("container fake-" + c->id() + ": last supervised process gone"); }));
}

INSTANTIATE_TEST_SUITE_P(Runtimes, OciRuntimeTest, ::testing::Values(Runtime::Runc, Runtime::Crun),
                         [](const ::testing::TestParamInfo<Runtime>& p) { return runtime_name(p.param); });

}  // namespace
}  // namespace tollgate::testing
