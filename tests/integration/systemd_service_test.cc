// `tollgate supervise` as systemd runs it, without systemd: sockets passed the way tollgate.socket passes
// them (systemd-socket-activate sets LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES), readiness told to a
// NOTIFY_SOCKET this test listens on, and log lines with journal priorities when stderr is the journal.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>
#include <sstream>

#include "tests/integration/harness.h"

namespace tollgate::testing {
namespace {

const std::string kSocketActivate = "/usr/bin/systemd-socket-activate";

// The service manager's end of NOTIFY_SOCKET: a datagram socket the daemon sends "READY=1" and the like to.
class NotifySocket {
 public:
  explicit NotifySocket(std::string path) : path_(std::move(path)) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("cannot bind " + path_);
  }
  ~NotifySocket() { close(fd_); }
  const std::string& path() const { return path_; }
  // Datagrams until one contains `field` (e.g. "READY=1"); that one, or nullopt if none comes in time.
  std::optional<std::string> wait_for(const std::string& field,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      std::string message(buf, static_cast<size_t>(n));
      if (message.find(field) != std::string::npos) return message;
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
};

TEST(SocketActivation, ServesHandoverAndControlOnThePassedSocketsAndTellsReadiness) {
  TempDir dir;
  NotifySocket notify(dir.file("notify.sock"));
  const std::string handover = dir.file("handover.sock"), control = dir.file("control.sock");
  // As tollgate.socket and tollgate-control.socket would: systemd-socket-activate binds both, starts the
  // daemon when the first client connects, and execs it in its own place (the pid stays the same).
  BackgroundProcess daemon({kSocketActivate, "-l", handover, "-l", control, "--fdname=handover:control", "-E",
                            "NOTIFY_SOCKET=" + notify.path(), kTollgate, "supervise", "-q"},
                           dir.file("daemon.out"), dir.file("daemon.err"));
  ASSERT_TRUE(eventually([&] {
    return std::filesystem::exists(handover) && std::filesystem::exists(control);
  })) << read_file(dir.file("daemon.err"));

  // The first client starts the daemon; it is answered on the socket systemd-socket-activate made.
  ProcessResult stats = run_process({kTollgate, "ctl", "--socket", control, "stats", "--json"});
  ASSERT_EQ(stats.status, 0) << stats.err << read_file(dir.file("daemon.err"));
  EXPECT_NE(stats.out.find("\"listeners\":0"), std::string::npos) << stats.out;
  std::optional<std::string> ready = notify.wait_for("READY=1");
  ASSERT_TRUE(ready.has_value()) << read_file(dir.file("daemon.err"));
  EXPECT_NE(ready->find("STATUS=supervising (socket-activated)"), std::string::npos) << *ready;

  ProcessResult run = run_process(
      {kTollgate, "run", "--supervisor", handover, "--", kProbe, "mount", "none", dir.file("x"), "tmpfs"});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("mount: ret=-1 errno=EPERM"), std::string::npos) << run.out;
  stats = run_process({kTollgate, "ctl", "--socket", control, "stats", "--json"});
  EXPECT_NE(stats.out.find("\"listeners_opened\":1"), std::string::npos) << stats.out;

  daemon.signal(SIGTERM);
  EXPECT_TRUE(notify.wait_for("STOPPING=1").has_value());
  EXPECT_EQ(daemon.wait(), std::optional<int>(0)) << read_file(dir.file("daemon.err"));
  // The socket files are the service manager's: they stay for the next start.
  EXPECT_TRUE(std::filesystem::exists(handover));
  EXPECT_TRUE(std::filesystem::exists(control));
}

TEST(SocketActivation, ASocketWithAnUnknownNameIsRefused) {
  TempDir dir;
  const std::string sock = dir.file("x.sock");
  BackgroundProcess daemon({kSocketActivate, "-l", sock, "--fdname=metrics", kTollgate, "supervise", "-q",
                            "--control-socket", dir.file("control.sock")},
                           dir.file("daemon.out"), dir.file("daemon.err"));
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(sock); }));
  ProcessResult r = run_process({kTollgate, "run", "--supervisor", sock, "--", kProbe, "exit", "0"});
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(daemon.wait(), std::optional<int>(2));
  EXPECT_NE(read_file(dir.file("daemon.err")).find("\"metrics\""), std::string::npos)
      << read_file(dir.file("daemon.err"));
}

// JOURNAL_STREAM as systemd sets it for a unit whose stderr is the journal: "DEV:INODE" of that stream.
std::string journal_stream_of(const std::string& file) {
  write_file(file, "");
  struct stat st {};
  if (stat(file.c_str(), &st) != 0) throw std::runtime_error("stat " + file);
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

TEST(JournalLogging, LinesCarryPrioritiesOnlyWhenStderrIsTheJournal) {
  TempDir dir;
  const std::string err = dir.file("daemon.err");
  const std::string stream = journal_stream_of(err);
  // BackgroundProcess truncates the same file: stderr is the very stream JOURNAL_STREAM names.
  BackgroundProcess daemon(
      {"/usr/bin/env", "JOURNAL_STREAM=" + stream, kTollgate, "supervise", "--socket", dir.file("s.sock"),
       "--control-socket", dir.file("c.sock"), "--log-level", "debug"},
      dir.file("daemon.out"), err);
  ASSERT_TRUE(eventually([&] { return read_file(err).find("supervising") != std::string::npos; }))
      << read_file(err);
  ProcessResult run = run_process({kTollgate, "run", "--supervisor", dir.file("s.sock"), "--", kProbe,
                                   "mount", "none", dir.file("x"), "tmpfs"});
  EXPECT_NE(run.out.find("errno=EPERM"), std::string::npos) << run.out;
  // A denial is a warning (<4>); that the daemon serves is information (<6>).
  EXPECT_TRUE(eventually([&] { return read_file(err).find("<4>") != std::string::npos; })) << read_file(err);
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(), std::optional<int>(0));
  const std::string text = read_file(err);
  EXPECT_NE(text.find("<6>supervising"), std::string::npos) << text;
  EXPECT_EQ(text.find("tollgate: "), std::string::npos) << "the journal names the unit already:\n" << text;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    EXPECT_TRUE(line.size() > 3 && line[0] == '<' && line[2] == '>') << "a line without a priority: " << line;

  // The same daemon with stderr not the journal (another inode): plain lines.
  ProcessResult plain = run_process({"/usr/bin/env", "JOURNAL_STREAM=" + stream, kTollgate, "ctl", "--socket",
                                     dir.file("nobody.sock"), "stats"});
  EXPECT_EQ(plain.err.rfind("tollgate: error: ", 0), 0u) << plain.err;
}

TEST(LogLevel, WarnHidesInformationButNotDenials) {
  TempDir dir;
  const std::string err = dir.file("daemon.err");
  BackgroundProcess daemon({kTollgate, "supervise", "--socket", dir.file("s.sock"), "--control-socket",
                            dir.file("c.sock"), "--log-level", "warn"},
                           dir.file("daemon.out"), err);
  ASSERT_TRUE(eventually([&] {
    return run_process({kTollgate, "ctl", "--socket", dir.file("c.sock"), "stats"}).status == 0;
  }));
  ProcessResult run = run_process({kTollgate, "run", "--supervisor", dir.file("s.sock"), "--", kProbe,
                                   "mount", "none", dir.file("x"), "tmpfs"});
  EXPECT_NE(run.out.find("errno=EPERM"), std::string::npos) << run.out;
  EXPECT_TRUE(eventually([&] { return read_file(err).find("mount") != std::string::npos; }))
      << read_file(err);
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(), std::optional<int>(0));
  EXPECT_EQ(read_file(err).find("supervising"), std::string::npos) << read_file(err);

  ProcessResult bad = run_process({kTollgate, "--log-level", "loud", "lint", "x"});
  EXPECT_EQ(bad.status, 2) << bad.err;
}

}  // namespace
}  // namespace tollgate::testing
