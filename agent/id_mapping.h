// How `run --rootless` maps ids into the target's new user namespace.
//
// Root, or a user without subordinate ids: the invoking uid and gid become root inside and nothing else is
// mapped (like `unshare -Urm`); the maps are written directly, after denying setgroups.
// A user listed in /etc/subuid and /etc/subgid, with newuidmap and newgidmap (Debian's uidmap) installed:
// the invoking ids become root, and the user's subordinate ranges follow from id 1 on (as podman and
// rootlesskit do), so that a container's other users (uid 1000 inside, say) exist. The setuid helpers
// write those maps: only they may map ids the user does not own.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

struct SubordinateRange {
  uint32_t start = 0, count = 0;
};

// The ranges /etc/subuid (or /etc/subgid) text grants to `user` (by name) or `id` (by number), in file
// order. Lines are "owner:start:count"; comments, blank and malformed lines are skipped, as shadow's
// helpers skip them.
std::vector<SubordinateRange> subordinate_ranges(std::string_view text, std::string_view user, uint32_t id);

struct IdMapLine {
  uint32_t inside = 0, outside = 0, count = 0;
};

// `id` as 0 inside, then the ranges from 1 on. At most kMaxRanges ranges are used.
std::vector<IdMapLine> rootless_map(uint32_t id, const std::vector<SubordinateRange>& ranges);
inline constexpr size_t kMaxRanges = 4;

// /proc/PID/uid_map text.
std::string map_text(const std::vector<IdMapLine>& map);

struct IdMapPlan {
  std::vector<IdMapLine> uids, gids;
  bool subordinate = false;          // written by newuidmap/newgidmap
  std::string newuidmap, newgidmap;  // their paths, when subordinate
  // Why a user other than root gets only its own ids ("" when subordinate or root): for a notice.
  std::string single_id_reason;
};

// For the invoking user: reads /etc/subuid and /etc/subgid and looks for the helpers.
IdMapPlan plan_rootless_maps();

// Writes the plan for `pid` (a child that has just entered its new user namespace). Error: a message
// naming what failed (a helper's own words included).
std::optional<std::string> apply_id_maps(pid_t pid, const IdMapPlan& plan);

}  // namespace tollgate
