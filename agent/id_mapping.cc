#include "agent/id_mapping.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>

#include "agent/launcher.h"
#include "core/file_text.h"
#include "tollgate/unique_fd.h"

extern char** environ;

namespace tollgate {
namespace {

std::optional<uint32_t> parse_u32(std::string_view s) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

bool write_proc_file(pid_t pid, const char* name, const std::string& text) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
  UniqueFd fd(open(path, O_WRONLY | O_CLOEXEC));
  return fd && write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

// Runs a helper with `args`, waiting for it. Error: its stderr (or why it could not run).
std::optional<std::string> run_helper(const std::string& path, const std::vector<std::string>& args) {
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
  UniqueFd read_end(err_pipe[0]), write_end(err_pipe[1]);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDERR_FILENO);
  pid_t child = -1;
  const int rc = posix_spawn(&child, path.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  write_end.reset();
  if (rc != 0) return path + ": " + std::strerror(rc);
  std::string said;
  char buf[512];
  for (ssize_t n; (n = read(read_end.get(), buf, sizeof buf)) > 0;) said.append(buf, static_cast<size_t>(n));
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;
  while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
  return path + " failed" + (said.empty() ? std::string() : ": " + said);
}

std::vector<std::string> helper_args(const std::string& helper, pid_t pid, const std::vector<IdMapLine>& map) {
  std::vector<std::string> args{helper, std::to_string(pid)};
  for (const auto& l : map) {
    args.push_back(std::to_string(l.inside));
    args.push_back(std::to_string(l.outside));
    args.push_back(std::to_string(l.count));
  }
  return args;
}

}  // namespace

std::vector<SubordinateRange> subordinate_ranges(std::string_view text, std::string_view user, uint32_t id) {
  std::vector<SubordinateRange> out;
  const std::string id_text = std::to_string(id);
  while (!text.empty()) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (line.empty() || line.front() == '#') continue;
    const auto c1 = line.find(':'), c2 = line.find(':', c1 == std::string_view::npos ? c1 : c1 + 1);
    if (c1 == std::string_view::npos || c2 == std::string_view::npos) continue;
    const std::string_view owner = line.substr(0, c1);
    if (owner != user && owner != id_text) continue;
    auto start = parse_u32(line.substr(c1 + 1, c2 - c1 - 1));
    auto count = parse_u32(line.substr(c2 + 1));
    if (!start || !count || *count == 0 || uint64_t{*start} + *count > UINT32_MAX) continue;
    out.push_back({*start, *count});
  }
  return out;
}

std::vector<IdMapLine> rootless_map(uint32_t id, const std::vector<SubordinateRange>& ranges) {
  std::vector<IdMapLine> map{{0, id, 1}};
  uint64_t next_inside = 1;
  for (size_t i = 0; i < ranges.size() && i < kMaxRanges; ++i) {
    if (next_inside + ranges[i].count > UINT32_MAX) break;
    map.push_back({static_cast<uint32_t>(next_inside), ranges[i].start, ranges[i].count});
    next_inside += ranges[i].count;
  }
  return map;
}

std::string map_text(const std::vector<IdMapLine>& map) {
  std::string out;
  for (const auto& l : map)
    out += std::to_string(l.inside) + " " + std::to_string(l.outside) + " " + std::to_string(l.count) + "\n";
  return out;
}

IdMapPlan plan_rootless_maps() {
  const uid_t uid = geteuid();
  const gid_t gid = getegid();
  IdMapPlan plan;
  plan.uids = rootless_map(uid, {});
  plan.gids = rootless_map(gid, {});
  if (uid == 0) return plan;  // root maps itself: the container's root is the host's, as before
  const passwd* pw = getpwuid(uid);
  const std::string name = pw != nullptr ? pw->pw_name : "";
  auto subuids = subordinate_ranges(read_file("/etc/subuid").value_or(""), name, uid);
  auto subgids = subordinate_ranges(read_file("/etc/subgid").value_or(""), name, uid);
  const std::string who = name.empty() ? "uid " + std::to_string(uid) : name;
  if (subuids.empty()) {
    plan.single_id_reason = "no range for " + who + " in /etc/subuid";
    return plan;
  }
  if (subgids.empty()) {
    plan.single_id_reason = "no range for " + who + " in /etc/subgid";
    return plan;
  }
  auto newuidmap = find_executable("newuidmap"), newgidmap = find_executable("newgidmap");
  if (!newuidmap) newuidmap = find_executable("/usr/bin/newuidmap");
  if (!newgidmap) newgidmap = find_executable("/usr/bin/newgidmap");
  if (!newuidmap || !newgidmap) {
    plan.single_id_reason = "newuidmap/newgidmap not found (Debian package uidmap)";
    return plan;
  }
  plan.subordinate = true;
  plan.newuidmap = *newuidmap;
  plan.newgidmap = *newgidmap;
  plan.uids = rootless_map(uid, subuids);
  plan.gids = rootless_map(gid, subgids);
  return plan;
}

std::optional<std::string> apply_id_maps(pid_t pid, const IdMapPlan& plan) {
  if (plan.subordinate) {
    // The helpers check every range against /etc/subuid and /etc/subgid themselves. setgroups stays
    // allowed: with the user's subordinate gids mapped, dropping groups is the container's own business.
    if (auto failed = run_helper(plan.newuidmap, helper_args("newuidmap", pid, plan.uids))) return failed;
    if (auto failed = run_helper(plan.newgidmap, helper_args("newgidmap", pid, plan.gids))) return failed;
    return std::nullopt;
  }
  // setgroups must be denied first, or an unprivileged writer may not write gid_map.
  if (!write_proc_file(pid, "setgroups", "deny")) return std::string("setgroups: ") + std::strerror(errno);
  if (!write_proc_file(pid, "uid_map", map_text(plan.uids))) return std::string("uid_map: ") + std::strerror(errno);
  if (!write_proc_file(pid, "gid_map", map_text(plan.gids))) return std::string("gid_map: ") + std::strerror(errno);
  return std::nullopt;
}

}  // namespace tollgate
