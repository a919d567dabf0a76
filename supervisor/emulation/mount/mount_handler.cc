// The "mount" handler: mount(2) done by the supervisor on the caller's behalf, in the caller's mount
// namespace, when the rule's options allow it (see mount_policy.h), with the new mount API:
//   read source/target/fstype/data once; read the caller's credentials and open its namespaces; re-check
//   NOTIF_ID_VALID; require CAP_SYS_ADMIN over the user namespace owning its mount namespace (the kernel's
//   test, on the caller's credentials); join its mount namespace, root and cwd on this worker thread;
//   resolve target and source there (openat2, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) and check the
//   resolved paths; build the mount detached (fsopen/fsconfig/fsmount or open_tree for binds) with
//   nosuid,nodev (and noexec unless allowed) forced, idmap it with the caller's user namespace, and only
//   then attach it with move_mount onto the resolved target fd. If the caller is gone by then, the mount
//   is detached again: a dead caller never leaves a mount behind.
// Remounts are allowed only for mounts this supervisor made in that namespace, and never drop the
// forced flags. Answers: 0, the kernel's errno for kernel failures, EPERM for policy.
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>

#include "supervisor/caller/caller_view.h"
#include "supervisor/emulation/emulation_handlers.h"
#include "supervisor/emulation/mount/mount_kernel.h"
#include "supervisor/emulation/mount/mount_policy.h"
#include "supervisor/emulation/mount/mount_registry.h"

namespace tollgate {
namespace {

constexpr int kCapSysAdmin = 21;
constexpr unsigned long kHarmlessFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
                                         MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_SILENT;
constexpr unsigned long kMgcMask = 0xffff0000UL;
constexpr unsigned long kMgcValue = 0xC0ED0000UL;

uint64_t mount_attributes(unsigned long flags, bool exec) {
  uint64_t a = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (!exec || (flags & MS_NOEXEC)) a |= MOUNT_ATTR_NOEXEC;
  if (flags & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NODIRATIME) a |= MOUNT_ATTR_NODIRATIME;
  if (flags & MS_NOATIME)
    a |= MOUNT_ATTR_NOATIME;
  else if (flags & MS_STRICTATIME)
    a |= MOUNT_ATTR_STRICTATIME;
  return a;
}

// Errors from resolving a caller's path: escapes and magic links are policy refusals.
int resolution_errno(int e) {
  return e == EXDEV || e == ELOOP ? EPERM : e;
}

// The caller's namespaces, once its credentials show CAP_SYS_ADMIN over its mount namespace; re-checks
// that the caller still waits after reading /proc. Error: the answer to give.
std::expected<CallerView, Decision> open_mount_capable_caller(PendingCall& call, CallerViewNeeds needs) {
  auto view = open_caller_view(call.call().pid(), needs);
  if (!view) return std::unexpected(emulated_error(call, EPERM, "caller view unavailable"));
  auto capable = caller_capable_over_mount_ns(*view, kCapSysAdmin);
  if (!capable) return std::unexpected(emulated_error(call, EPERM, "caller unreadable"));
  if (!call.still_waiting()) return std::unexpected(emulated_error(call, EPERM, "caller gone"));
  if (!*capable)
    return std::unexpected(
        emulated_error(call, EPERM, "caller lacks CAP_SYS_ADMIN over its mount namespace"));
  return std::move(*view);
}

bool relative(const std::string& path) { return !path.empty() && path.front() != '/'; }

// mount(8) repeats a mount's per-mount options ("idmapped", "nosuid", ...) as data when remounting; the
// flags argument already says what they mean. Anything else would change the file system itself.
bool only_mount_flag_words(const std::string& data) {
  static constexpr std::string_view kWords[] = {
      "ro",   "rw",       "nosuid",  "suid",        "nodev",      "dev",      "noexec",
      "exec", "relatime", "noatime", "strictatime", "nodiratime", "diratime", "idmapped"};
  for (const auto& [key, value] : split_mount_data(data)) {
    if (value) return false;
    if (std::find(std::begin(kWords), std::end(kWords), key) == std::end(kWords)) return false;
  }
  return true;
}

class MountHandler : public EmulationHandler {
 public:
  explicit MountHandler(MountPolicy policy) : policy_(std::move(policy)) {}

  Decision run(PendingCall& call, const EmulationServices& services) const override {
    CallContext& c = call.call();
    if (c.syscall_name() != "mount")
      return emulated_error(call, EPERM, "the mount handler only emulates mount");
    unsigned long flags = c.arg(3);
    if ((flags & kMgcMask) == kMgcValue) flags &= ~kMgcMask;
    const bool remount = flags & MS_REMOUNT, bind = flags & MS_BIND, rec = flags & MS_REC;
    const unsigned long extra = flags & ~(kHarmlessFlags | MS_REMOUNT | MS_BIND | MS_REC);
    if (extra != 0) return emulated_error(call, EPERM, "mount flags not allowed (move, propagation, ...)");
    if ((remount && !policy_.remount) || (bind && !remount && !policy_.bind) ||
        (rec && (!bind || !policy_.rec)))
      return emulated_error(call, EPERM, "mount operation not allowed by the rule");

    // Everything from the caller's memory, once.
    const auto& target = c.string_arg(1);
    if (!target)
      return emulated_error(call, target.error() == ENAMETOOLONG ? ENAMETOOLONG : EFAULT, "target");
    std::string source, fstype, data;
    if (c.arg(0) != 0 && !remount) {
      const auto& s = c.string_arg(0);
      if (!s) return emulated_error(call, EFAULT, "source");
      source = *s;
    }
    if (!bind && !remount) {
      const auto& t = c.string_arg(2);
      if (!t) return emulated_error(call, c.arg(2) == 0 ? ENODEV : EFAULT, "fstype");
      fstype = *t;
    }
    if (c.arg(4) != 0 && !bind) {
      const auto& d = c.string_arg(4);
      if (!d) return emulated_error(call, EFAULT, "data");
      data = *d;
    }
    // Everything below acts on the copies read so far.
    bool needs_device = false;
    if (!bind && !remount) {
      if (policy_.data_globs(fstype) == nullptr)
        return emulated_error(call, EPERM, "file system type not allowed");
      if (!policy_.data_allowed(fstype, data))
        return emulated_error(call, EPERM, "mount data option not allowed");
      auto dev = filesystem_needs_device(fstype);
      if (!dev) return emulated_error(call, ENODEV, "unknown file system type");
      needs_device = *dev;
    }
    if (remount && !only_mount_flag_words(data))
      return emulated_error(call, EPERM, "remount with file system data options is not emulated");
    const bool proc = !bind && !remount && fstype == "proc";
    auto view = open_mount_capable_caller(
        call, {.cwd = relative(*target) || ((bind || needs_device) && relative(source)), .pid_ns = proc});
    if (!view) return view.error();

    if (auto e = enter_caller_view(*view); !e)
      return emulated_error(call, EPERM, "joining the caller's mount namespace");
    auto target_fd = resolve_in_caller(*view, AT_FDCWD, *target, O_PATH);
    if (!target_fd) return emulated_error(call, resolution_errno(target_fd.error()), "target");
    auto target_path = caller_path_of(target_fd->get());
    if (!target_path || !policy_.target_allowed(*target_path))
      return emulated_error(call, EPERM, "target not allowed");

    if (remount) return do_remount(call, *view, target_fd->get(), flags, services);

    UniqueFd detached;
    if (bind) {
      auto src = resolve_in_caller(*view, AT_FDCWD, source, O_PATH);
      if (!src) return emulated_error(call, resolution_errno(src.error()), "bind source");
      auto src_path = caller_path_of(src->get());
      if (!src_path || !policy_.bind_source_allowed(*src_path))
        return emulated_error(call, EPERM, "bind source not allowed");
      detached.reset(open_tree(
          src->get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0)));
      if (!detached) return emulated_error(call, errno, "open_tree");
      mount_attr attr{};
      attr.attr_set = mount_attributes(flags, policy_.exec);
      attr.attr_clr = MOUNT_ATTR__ATIME & (attr.attr_set & MOUNT_ATTR__ATIME ? MOUNT_ATTR__ATIME : 0);
      if (mount_setattr(detached.get(), "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &attr, sizeof attr) !=
          0)
        return emulated_error(call, errno, "mount_setattr");
    } else {
      UniqueFd device;  // kept open until the mount holds the device itself
      if (needs_device) {
        auto src = resolve_in_caller(*view, AT_FDCWD, source, (flags & MS_RDONLY) ? O_RDONLY : O_RDWR);
        if (!src) return emulated_error(call, resolution_errno(src.error()), "source");
        auto src_path = caller_path_of(src->get());
        struct stat st {};
        if (!src_path || fstat(src->get(), &st) != 0 || !policy_.source_allowed(*src_path))
          return emulated_error(call, EPERM, "source not allowed");
        if (S_ISREG(st.st_mode)) {
          auto loop = attach_loop_device(src->get(), flags & MS_RDONLY);
          if (!loop) return emulated_error(call, loop.error(), "loop device");
          device = std::move(*loop);
        } else if (S_ISBLK(st.st_mode)) {
          // A loop device the caller set up must be backed by an allowed image, not some host disk.
          if (major(st.st_rdev) == 7) {
            auto backing = loop_backing_file(st.st_rdev);
            if (!backing || !policy_.source_allowed(*backing))
              return emulated_error(call, EPERM, "loop backing file not allowed");
          }
          device = std::move(*src);
        } else {
          return emulated_error(call, ENOTBLK, "source is not a block device or image");
        }
      }
      std::expected<UniqueFd, int> made = std::unexpected(EPERM);
      auto build = [&] { made = build_mount(fstype, needs_device ? &device : nullptr, source, data, flags); };
      if (proc) {
        // proc shows the pid namespace of whoever creates it: create it from inside the caller's.
        if (auto ran = run_in_pid_namespace(view->pid_ns.get(), build); !ran)
          made = std::unexpected(ran.error());
      } else {
        build();
      }
      if (!made) return emulated_error(call, made.error(), "building the mount");
      detached = std::move(*made);
    }

    // proc has no idmapped mounts: its owners come from the processes it shows.
    if (policy_.idmap && !bind && !proc && !view->ns->user_ns_is_ours) {
      mount_attr attr{};
      attr.attr_set = MOUNT_ATTR_IDMAP;
      attr.userns_fd = static_cast<uint64_t>(view->user_ns());
      if (mount_setattr(detached.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
        return emulated_error(call, errno, "idmapping the mount");
    }
    if (!call.still_waiting()) return emulated_error(call, EPERM, "caller gone");
    if (move_mount(detached.get(), "", target_fd->get(), "",
                   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
      return emulated_error(call, errno, "move_mount");
    auto id = mount_identity(detached.get());
    if (id) services.mounts->add(view->mnt_ns_id(), id->id);
    // Killed while we attached: take it away again rather than leave a mount nobody asked for.
    if (!id || !call.still_waiting()) {
      (void)detach_mount(detached.get());
      if (id) services.mounts->remove(view->mnt_ns_id(), id->id);
      return emulated_error(call, EPERM, "caller gone");
    }
    return emulated_value(call, 0);
  }

 private:
  // fsopen/fsconfig/fsmount. The device, if any, is named through our /proc so that the lookup cannot be
  // steered by the caller's file system.
  static std::expected<UniqueFd, int> build_mount(const std::string& fstype, const UniqueFd* device,
                                                  const std::string& source, const std::string& data,
                                                  unsigned long flags) {
    UniqueFd fs(fsopen(fstype.c_str(), FSOPEN_CLOEXEC));
    if (!fs) return std::unexpected(errno);
    if (device != nullptr) {
      // The caller's paths are resolved: go back to our own root, so that the device is looked up in our
      // /dev (the caller's root may hold a /dev of its own making), and check it is the device we opened.
      if (auto back = return_to_host_root(); !back) return std::unexpected(back.error());
      struct stat st {};
      if (fstat(device->get(), &st) != 0) return std::unexpected(errno);
      auto name = host_device_path(st.st_rdev);
      if (!name) return std::unexpected(name.error());
      if (fsconfig(fs.get(), FSCONFIG_SET_STRING, "source", name->c_str(), 0) != 0)
        return std::unexpected(errno);
    } else if (!source.empty()) {
      if (fsconfig(fs.get(), FSCONFIG_SET_STRING, "source", source.c_str(), 0) != 0)
        return std::unexpected(errno);
    }
    for (const auto& [key, value] : split_mount_data(data)) {
      const int rc = value ? fsconfig(fs.get(), FSCONFIG_SET_STRING, key.c_str(), value->c_str(), 0)
                           : fsconfig(fs.get(), FSCONFIG_SET_FLAG, key.c_str(), nullptr, 0);
      if (rc != 0) return std::unexpected(errno);
    }
    if ((flags & MS_RDONLY) && fsconfig(fs.get(), FSCONFIG_SET_FLAG, "ro", nullptr, 0) != 0)
      return std::unexpected(errno);
    if (fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) return std::unexpected(errno);
    UniqueFd mnt(fsmount(fs.get(), FSMOUNT_CLOEXEC,
                         static_cast<unsigned>(mount_attributes(flags, false) & 0xffffffffu)));
    if (!mnt) return std::unexpected(errno);
    return mnt;
  }

  Decision do_remount(PendingCall& call, const CallerView& view, int target, unsigned long flags,
                      const EmulationServices& services) const {
    auto id = mount_identity(target);
    if (!id) return emulated_error(call, EPERM, "mount id unavailable");
    if (!id->is_mount_root) return emulated_error(call, EINVAL, "not a mount point");
    if (!services.mounts->contains(view.mnt_ns_id(), id->id))
      return emulated_error(call, EPERM, "remount of a mount this supervisor did not make");
    mount_attr attr{};
    attr.attr_set = mount_attributes(flags, policy_.exec);
    attr.attr_clr = ((MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME) & ~attr.attr_set) |
                    MOUNT_ATTR__ATIME;
    if (!call.still_waiting()) return emulated_error(call, EPERM, "caller gone");
    if (mount_setattr(target, "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
      return emulated_error(call, errno, "mount_setattr");
    return emulated_value(call, 0);
  }

  MountPolicy policy_;
};

// umount2: only what this supervisor mounted in the caller's namespace (all a caller under a mount rule
// can have mounted there: its own mount(2) calls all came here), same credential and resolution rules.
class UmountHandler : public EmulationHandler {
 public:
  Decision run(PendingCall& call, const EmulationServices& services) const override {
    CallContext& c = call.call();
    if (c.syscall_name() != "umount2")
      return emulated_error(call, EPERM, "the umount handler only emulates umount2");
    const auto flags = static_cast<int>(c.arg(1));
    if ((flags & ~(MNT_DETACH | MNT_FORCE | UMOUNT_NOFOLLOW)) != 0)
      return emulated_error(call, EINVAL, "umount2 flags");
    const auto& target = c.string_arg(0);
    if (!target)
      return emulated_error(call, target.error() == ENAMETOOLONG ? ENAMETOOLONG : EFAULT, "target");
    auto view = open_mount_capable_caller(call, {.cwd = relative(*target)});
    if (!view) return view.error();
    if (auto e = enter_caller_view(*view); !e)
      return emulated_error(call, EPERM, "joining the caller's mount namespace");
    auto fd =
        resolve_in_caller(*view, AT_FDCWD, *target, O_PATH | ((flags & UMOUNT_NOFOLLOW) ? O_NOFOLLOW : 0));
    if (!fd) return emulated_error(call, resolution_errno(fd.error()), "target");
    auto id = mount_identity(fd->get());
    if (!id) return emulated_error(call, EPERM, "mount id unavailable");
    if (!id->is_mount_root) return emulated_error(call, EINVAL, "not a mount point");
    if (!services.mounts->contains(view->mnt_ns_id(), id->id))
      return emulated_error(call, EPERM, "unmount of a mount this supervisor did not make");
    // Lazily: our own fd keeps the mount busy, so a plain unmount would always see EBUSY.
    if (auto r = detach_mount(fd->get()); !r) return emulated_error(call, r.error(), "umount2");
    services.mounts->remove(view->mnt_ns_id(), id->id);
    return emulated_value(call, 0);
  }
};

}  // namespace

std::expected<HandlerPtr, HandlerOptionError> make_mount_handler(const nlohmann::json& options) {
  auto policy = MountPolicy::parse(options);
  if (!policy) return std::unexpected(policy.error());
  return std::make_shared<MountHandler>(std::move(*policy));
}

std::expected<HandlerPtr, HandlerOptionError> make_umount_handler(const nlohmann::json& options) {
  if (!options.is_object() || !options.empty())
    return std::unexpected(HandlerOptionError{"", "the umount handler takes no options"});
  return std::make_shared<UmountHandler>();
}

}  // namespace tollgate
