// The metrics endpoint and `ctl stats --openmetrics`: after a known workload (denied mounts), both serve an
// exposition that `promtool check metrics` accepts, with the expected values, and a real Prometheus
// scraping the daemon returns them from its query API.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/integration/harness.h"
#include "tests/integration/http_get.h"

namespace tollgate::testing {
namespace {

constexpr int kDeniedMounts = 3;
const std::string kMountDenials = "tollgate_calls_total{syscall=\"mount\",verdict=\"deny\"}";

// The port the daemon bound for --metrics-address 127.0.0.1:0, from its "metrics at ... (port N)" line.
uint16_t metrics_port(const SuperviseDaemon& daemon) {
  std::smatch m;
  std::string err;
  const std::regex port_line(R"(metrics at http://\S+ \(port (\d+)\))");
  if (!eventually([&] { return std::regex_search(err = daemon.stderr_text(), m, port_line); })) return 0;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

void deny_mounts(const SuperviseDaemon& daemon, const TempDir& dir) {
  for (int i = 0; i < kDeniedMounts; ++i) {
    ProcessResult r = run_process({kTollgate, "run", "-q", "--supervisor", daemon.socket(), "--", kProbe,
                                   "mount", "none", dir.file("x"), "tmpfs"});
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_NE(r.out.find("mount: ret=-1 errno=EPERM"), std::string::npos) << r.out;
  }
}

// promtool's verdict on an exposition: empty when it is valid, its complaints otherwise.
std::string promtool_problems(const TempDir& dir, const std::string& exposition) {
  const std::string file = dir.file("exposition.txt");
  write_file(file, exposition);
  ProcessResult r = run_process({"/bin/sh", "-c", "promtool check metrics < '" + file + "'"});
  return r.status == 0 ? "" : "promtool exit " + std::to_string(r.status) + ": " + r.out + r.err;
}

TEST(Metrics, EndpointAndCtlServeAValidExpositionOfTheCalls) {
  TempDir dir;
  SuperviseDaemon daemon(dir, /*with_events=*/false, {"--metrics-address", "127.0.0.1:0"});
  const uint16_t port = metrics_port(daemon);
  ASSERT_NE(port, 0) << daemon.stderr_text();
  deny_mounts(daemon, dir);

  const std::string expected = kMountDenials + " " + std::to_string(kDeniedMounts) + "\n";
  std::optional<HttpResponse> scrape;
  ASSERT_TRUE(eventually([&] {
    scrape = http_get(port, "/metrics");
    return scrape && scrape->body.find(expected) != std::string::npos;
  })) << (scrape ? scrape->body : "no answer on port " + std::to_string(port));
  EXPECT_EQ(scrape->status, 200);
  EXPECT_EQ(scrape->content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(scrape->body.find("tollgate_handovers_total{result=\"accepted\"} 3\n"), std::string::npos)
      << scrape->body;
  EXPECT_NE(scrape->body.find("tollgate_calls_by_policy_total{"), std::string::npos) << scrape->body;
  EXPECT_NE(scrape->body.find("tollgate_held_calls 0\n"), std::string::npos) << scrape->body;
  EXPECT_EQ(promtool_problems(dir, scrape->body), "");

  ProcessResult ctl =
      run_process({kTollgate, "ctl", "--socket", daemon.control_socket(), "stats", "--openmetrics"});
  ASSERT_EQ(ctl.status, 0) << ctl.err;
  EXPECT_NE(ctl.out.find(expected), std::string::npos) << ctl.out;
  EXPECT_EQ(promtool_problems(dir, ctl.out), "");

  std::optional<HttpResponse> elsewhere = http_get(port, "/");
  ASSERT_TRUE(elsewhere.has_value());
  EXPECT_EQ(elsewhere->status, 404);
}

// Before any call: families with no series yet and histograms of zeros must be valid as well, on both
// outputs (a scrape comes as soon as the daemon is up).
TEST(Metrics, AFreshDaemonServesAValidExpositionOnBothOutputs) {
  TempDir dir;
  SuperviseDaemon daemon(dir, /*with_events=*/false, {"--metrics-address", "127.0.0.1:0"});
  const uint16_t port = metrics_port(daemon);
  ASSERT_NE(port, 0) << daemon.stderr_text();
  std::optional<HttpResponse> scrape = http_get(port, "/metrics");
  ASSERT_TRUE(scrape.has_value());
  EXPECT_EQ(scrape->status, 200);
  EXPECT_EQ(promtool_problems(dir, scrape->body), "") << scrape->body;
  ProcessResult ctl =
      run_process({kTollgate, "ctl", "--socket", daemon.control_socket(), "stats", "--openmetrics"});
  ASSERT_EQ(ctl.status, 0) << ctl.err;
  EXPECT_EQ(promtool_problems(dir, ctl.out), "") << ctl.out;
}

TEST(Metrics, OffByDefault) {
  TempDir dir;
  SuperviseDaemon daemon(dir, /*with_events=*/false);
  EXPECT_EQ(daemon.stderr_text().find("metrics at"), std::string::npos) << daemon.stderr_text();
  ProcessResult ctl =
      run_process({kTollgate, "ctl", "--socket", daemon.control_socket(), "stats", "--openmetrics"});
  EXPECT_EQ(ctl.status, 0) << "the exposition through the control socket needs no port: " << ctl.err;
}

TEST(Metrics, ABadAddressIsRefusedAtStart) {
  TempDir dir;
  ProcessResult r = run_process({kTollgate, "supervise", "--socket", dir.file("s.sock"), "--control-socket",
                                 dir.file("c.sock"), "--metrics-address", "localhost"});
  EXPECT_EQ(r.status, 125);
  EXPECT_NE(r.err.find("--metrics-address localhost"), std::string::npos) << r.err;
}

// The value of the first series an instant query returns, or nullopt while it returns none.
std::optional<std::string> query_value(uint16_t prometheus_port, const std::string& query) {
  auto r = http_get(prometheus_port, "/api/v1/query?query=" + url_encode(query));
  if (!r || r->status != 200) return std::nullopt;
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded() || j.value("status", "") != "success") return std::nullopt;
  const auto& result = j["data"]["result"];
  if (!result.is_array() || result.empty()) return std::nullopt;
  return result[0]["value"][1].get<std::string>();
}

TEST(Metrics, APrometheusServerScrapesTheDaemon) {
  TempDir dir;
  SuperviseDaemon daemon(dir, /*with_events=*/false, {"--metrics-address", "127.0.0.1:0"});
  const uint16_t port = metrics_port(daemon);
  ASSERT_NE(port, 0) << daemon.stderr_text();
  deny_mounts(daemon, dir);

  const uint16_t prometheus_port = free_tcp_port();
  write_file(dir.file("prometheus.yml"),
             "global:\n"
             "  scrape_interval: 1s\n"
             "scrape_configs:\n"
             "  - job_name: tollgate\n"
             "    static_configs:\n"
             "      - targets: ['127.0.0.1:" +
                 std::to_string(port) + "']\n");
  BackgroundProcess prometheus({"/usr/bin/prometheus", "--config.file=" + dir.file("prometheus.yml"),
                                "--storage.tsdb.path=" + dir.file("tsdb"),
                                "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port)},
                               dir.file("prometheus.out"), dir.file("prometheus.err"));
  // Prometheus starts, scrapes within a second, and its query API answers: bounded, not a fixed sleep.
  std::optional<std::string> denials;
  EXPECT_TRUE(eventually([&] { return (denials = query_value(prometheus_port, kMountDenials)).has_value(); },
                         std::chrono::seconds(120)))
      << read_file(dir.file("prometheus.err"));
  EXPECT_EQ(denials.value_or("none"), std::to_string(kDeniedMounts));
  EXPECT_EQ(query_value(prometheus_port, "tollgate_handovers_total{result=\"accepted\"}").value_or("none"),
            "3");
  EXPECT_EQ(query_value(prometheus_port, "up{job=\"tollgate\"}").value_or("none"), "1");
  prometheus.signal(SIGTERM);
  EXPECT_TRUE(prometheus.wait(std::chrono::seconds(60)).has_value());
}

TEST(Metrics, CallsAHandlerAnsweredCountAsEmulated) {
  // A pretended settimeofday (success) and a clock_settime(CLOCK_MONOTONIC) the time handler refuses
  // (EINVAL): both were answered by the handler, so both count as "emulate", not as "value" or "deny".
  TempDir dir;
  SuperviseDaemon daemon(dir, /*with_events=*/false);
  const std::string policy = kPolicyDir + "/rootless-mount.json";
  for (const std::vector<std::string>& probe :
       {std::vector<std::string>{"settimeofday-offset", "3600"}, std::vector<std::string>{"clock_settime"}}) {
    std::vector<std::string> argv = {kTollgate, "run", "-q", "--supervisor", daemon.socket(), "--policy", policy,
                                     "--", kProbe};
    argv.insert(argv.end(), probe.begin(), probe.end());
    ProcessResult r = run_process(argv);
    ASSERT_EQ(r.status, 0) << r.err;
  }
  nlohmann::json stats;
  ASSERT_TRUE(eventually([&] {
    ProcessResult ctl = run_process({kTollgate, "ctl", "--socket", daemon.control_socket(), "--json", "stats"});
    stats = nlohmann::json::parse(ctl.out, nullptr, false);
    return !stats.is_discarded() && stats["stats"]["answered"] == 2;
  })) << stats.dump();
  const nlohmann::json& s = stats["stats"];
  EXPECT_EQ(s["by_verdict"]["emulate"], 2) << s.dump();
  EXPECT_EQ(s["by_verdict"]["value"], 0) << s.dump();
  EXPECT_EQ(s["by_verdict"]["deny"], 0) << s.dump();
  EXPECT_EQ(s["by_syscall"]["settimeofday"]["emulate"], 1) << s.dump();
  EXPECT_EQ(s["by_syscall"]["clock_settime"]["emulate"], 1) << s.dump();

  ProcessResult text =
      run_process({kTollgate, "ctl", "--socket", daemon.control_socket(), "stats", "--openmetrics"});
  EXPECT_NE(text.out.find("tollgate_calls_total{syscall=\"settimeofday\",verdict=\"emulate\"} 1\n"),
            std::string::npos)
      << text.out;
  // The emulation latency histogram holds both calls (it held none while they counted as "value").
  EXPECT_NE(text.out.find("tollgate_emulation_latency_seconds_count 2\n"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace tollgate::testing
