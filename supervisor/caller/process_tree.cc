#include "supervisor/caller/process_tree.h"

#include <dirent.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <vector>

namespace tollgate {
namespace {

// pid -> parent pid for every process now.
std::map<pid_t, pid_t> parents() {
  std::map<pid_t, pid_t> out;
  DIR* d = opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    char path[64], buf[512];
    std::snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE* f = std::fopen(path, "re");
    if (f == nullptr) continue;
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    // "pid (comm) state ppid": comm may hold spaces and parentheses; the last ')' ends it.
    const char* close = std::strrchr(buf, ')');
    char state = 0;
    int ppid = 0;
    if (close != nullptr && std::sscanf(close + 1, " %c %d", &state, &ppid) == 2)
      out[static_cast<pid_t>(pid)] = static_cast<pid_t>(ppid);
  }
  closedir(d);
  return out;
}

}  // namespace

int kill_process_tree(pid_t root) {
  if (root <= 1) return 0;
  std::set<pid_t> signalled;
  // Descendants first seen in a later round (forked while we scanned) are caught by the next one; the
  // killed parents cannot fork again, so this ends.
  for (int round = 0; round < 8; ++round) {
    auto map = parents();
    std::set<pid_t> tree{root};
    for (bool grew = true; grew;) {
      grew = false;
      for (auto [pid, ppid] : map)
        if (tree.contains(ppid) && tree.insert(pid).second) grew = true;
    }
    size_t fresh = 0;
    for (pid_t pid : tree) {
      if (!map.contains(pid) && pid != root) continue;
      if (kill(pid, SIGKILL) == 0 && signalled.insert(pid).second) ++fresh;
    }
    if (fresh == 0 && round > 0) break;
  }
  return static_cast<int>(signalled.size());
}

bool in_process_tree(pid_t pid, pid_t ancestor) {
  if (pid <= 0 || ancestor <= 0) return false;
  auto map = parents();
  for (int depth = 0; depth < 4096 && pid > 1; ++depth) {
    if (pid == ancestor) return true;
    auto it = map.find(pid);
    if (it == map.end()) return false;
    pid = it->second;
  }
  return pid == ancestor;
}

}  // namespace tollgate
