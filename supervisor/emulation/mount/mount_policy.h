// What a "mount" rule's options allow, parsed once when the policy loads. Checks take the copies the
// handler read from the caller and the paths it resolved inside the caller's root; never user memory.
//
// Options (all optional; everything not allowed is refused with EPERM):
//   "fstypes":      {"tmpfs": ["size=*", "mode=*"], "ext4": []}  file system types and, per type, globs
//                   for the data options ("key=value" or "flag") a caller may pass
//   "sources":      ["/srv/images/*.img", "/dev/loop*"]  image files or block devices for types that need a
//                   device (a loop device counts by its backing file too), as resolved in the caller's root
//   "targets":      ["/mnt", "/mnt/*"]  where mounts may go, as resolved in the caller's root
//   "bind_sources": ["/srv/share/*"]   what may be bind-mounted (needs "bind" in "flags")
//   "flags":        ["bind", "rec", "remount"]  operations beyond a plain mount; ro, noatime and friends
//                   are always accepted
//   "exec":         true   do not force noexec (nosuid and nodev are always forced)
//   "idmap":        true   idmap new mounts with the caller's user namespace
#pragma once

#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/emulation/emulation_handler.h"

namespace tollgate {

struct MountPolicy {
  std::vector<std::pair<std::string, std::vector<std::string>>> fstypes;
  std::vector<std::string> sources, targets, bind_sources;
  bool bind = false, rec = false, remount = false;
  bool exec = false;
  bool idmap = false;

  // nullptr when fstype is not allowed.
  const std::vector<std::string>* data_globs(const std::string& fstype) const;
  bool target_allowed(const std::string& resolved) const { return any_match(targets, resolved); }
  bool source_allowed(const std::string& resolved) const { return any_match(sources, resolved); }
  bool bind_source_allowed(const std::string& resolved) const { return any_match(bind_sources, resolved); }
  // Every comma-separated option in `data` matches one of the type's globs.
  bool data_allowed(const std::string& fstype, const std::string& data) const;

  static bool any_match(const std::vector<std::string>& globs, const std::string& path);
  static std::expected<MountPolicy, HandlerOptionError> parse(const nlohmann::json& options);
};

// "a=1,b" -> {"a","1"}, {"b", nullopt}
std::vector<std::pair<std::string, std::optional<std::string>>> split_mount_data(const std::string& data);

}  // namespace tollgate
