// The "mknod" handler: mknod and mknodat of a short allowlist of harmless character devices (null, zero,
// full, random, urandom, tty, and overlayfs's whiteout 0:0), created by the supervisor on the caller's
// behalf, where the caller's path leads inside its own root, owned by the caller's fsuid/fsgid.
// Other device nodes: EPERM. FIFOs, sockets and regular files are not devices: the kernel decides those
// itself (CONTINUE, allowed only when the rule did not match on the path).
// Option "devices": the subset of the allowlist to offer (default: all of it).
#include <errno.h>
#include <fcntl.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>

#include "supervisor/caller/caller_view.h"
#include "supervisor/emulation/emulation_handlers.h"
#include "supervisor/emulation/handler_options.h"

namespace tollgate {
namespace {

constexpr int kCapMknod = 27;

struct Device {
  std::string_view name;
  unsigned major, minor;
};
constexpr std::array kDevices = {
    Device{"full", 1, 7},    Device{"null", 1, 3},     Device{"random", 1, 8}, Device{"tty", 5, 0},
    Device{"urandom", 1, 9}, Device{"whiteout", 0, 0}, Device{"zero", 1, 5},
};

// Can the caller's fsuid/fsgid write and search `dir`? Checked with this thread's fs ids switched to the
// caller's, which also drops our file capabilities for the check.
bool caller_may_create_in(int dir, const CallerCredentials& creds) {
  setfsgid(creds.fsgid);
  setfsuid(creds.fsuid);
  const bool ok = faccessat(dir, ".", W_OK | X_OK, AT_EACCESS) == 0;
  setfsuid(0);
  setfsgid(0);
  return ok;
}

class MknodHandler : public EmulationHandler {
 public:
  explicit MknodHandler(std::vector<Device> devices) : devices_(std::move(devices)) {}

  Decision run(PendingCall& call, const EmulationServices&) const override {
    CallContext& c = call.call();
    const bool at = c.syscall_name() == "mknodat";
    const unsigned path_arg = at ? 1 : 0;
    const auto mode = static_cast<mode_t>(c.arg(path_arg + 1));
    const auto dev = static_cast<dev_t>(c.arg(path_arg + 2));
    const mode_t type = mode & S_IFMT;
    if (type != S_IFCHR && type != S_IFBLK)
      return {Verdict::Continue, 0, 0, call.decision().rule, "not a device"};
    if (type == S_IFBLK || !allowed(major(dev), minor(dev)))
      return emulated_error(call, EPERM, "device not allowed");
    const bool whiteout = major(dev) == 0 && minor(dev) == 0;

    const pid_t pid = c.pid();
    auto creds = read_caller_credentials(pid);
    if (!creds) return emulated_error(call, EPERM, "caller unreadable");
    // The kernel's own rule, judged in the caller's namespace (a whiteout needs no capability).
    if (!whiteout && !creds->has_cap(kCapMknod)) return emulated_error(call, EPERM, "caller lacks CAP_MKNOD");
    const auto& path = c.string_arg(path_arg);
    if (!path)
      return emulated_error(call, path.error() == ENAMETOOLONG ? ENAMETOOLONG : EFAULT, "path unreadable");
    auto view = open_caller_view(pid, {.cwd = path->empty() || path->front() != '/'});
    if (!view) return emulated_error(call, EPERM, "caller view unavailable");
    UniqueFd dirfd;
    const auto dirfd_arg = static_cast<int>(c.arg(0));
    if (at && dirfd_arg != AT_FDCWD && (path->empty() || path->front() != '/')) {
      char entry[64];
      std::snprintf(entry, sizeof entry, "%d/fd/%d", pid, dirfd_arg);
      dirfd.reset(openat(host_proc(), entry, O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!dirfd) return emulated_error(call, errno == ENOTDIR ? ENOTDIR : EBADF, "bad dirfd");
    }
    if (!call.still_waiting()) return emulated_error(call, EPERM, "caller gone");

    // Split into parent and last component; the last one is created, never followed.
    std::string p = *path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    const auto slash = p.rfind('/');
    const std::string name = slash == std::string::npos ? p : p.substr(slash + 1);
    std::string parent = slash == std::string::npos ? "." : p.substr(0, slash + 1);
    if (name.empty() || name == "." || name == "..") return emulated_error(call, EEXIST, "no name to create");

    if (auto entered = enter_caller_view(*view); !entered)
      return emulated_error(call, EPERM, "joining the caller");
    auto dir = resolve_in_caller(*view, dirfd ? dirfd.get() : AT_FDCWD, parent, O_PATH | O_DIRECTORY);
    if (!dir)
      return emulated_error(call, dir.error() == EXDEV || dir.error() == ELOOP ? EPERM : dir.error(),
                            "parent");
    if (!caller_may_create_in(dir->get(), *creds))
      return emulated_error(call, EACCES, "parent not writable by caller");
    const mode_t perms = mode & 07777 & ~creds->umask;
    umask(0);  // this worker's own (unshared) umask must not narrow the caller's mode a second time
    if (mknodat(dir->get(), name.c_str(), S_IFCHR | perms, dev) != 0)
      return emulated_error(call, errno, "mknodat");
    // Hand the node to the caller, and nothing else: whatever is at that name now must be the node we made.
    UniqueFd node(openat(dir->get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (!node || fstat(node.get(), &st) != 0 || !S_ISCHR(st.st_mode) || st.st_rdev != dev)
      return emulated_error(call, EPERM, "node replaced");
    if (fchownat(node.get(), "", creds->fsuid, creds->fsgid, AT_EMPTY_PATH) != 0)
      return emulated_error(call, errno, "fchownat");
    return emulated_value(call, 0);
  }

 private:
  bool allowed(unsigned maj, unsigned min) const {
    for (const Device& d : devices_)
      if (d.major == maj && d.minor == min) return true;
    return false;
  }
  std::vector<Device> devices_;
};

}  // namespace

std::expected<HandlerPtr, HandlerOptionError> make_mknod_handler(const nlohmann::json& options) {
  HandlerOptionReader r(options, {"devices"});
  std::vector<Device> devices(kDevices.begin(), kDevices.end());
  if (r.has("devices")) {
    devices.clear();
    for (const auto& n :
         r.strings("devices", {"full", "null", "random", "tty", "urandom", "whiteout", "zero"}))
      for (const Device& d : kDevices)
        if (d.name == n) devices.push_back(d);
  }
  if (r.error()) return std::unexpected(*r.error());
  return std::make_shared<MknodHandler>(std::move(devices));
}

}  // namespace tollgate
