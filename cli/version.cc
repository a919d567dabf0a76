#include "cli/version.h"

#include <seccomp.h>
#include <sys/utsname.h>

#include "cli/described_version.h"
#include "core/install_paths.h"
#include "supervisor/decide/policy_source.h"
#include "supervisor/notify_features.h"

namespace tollgate {
namespace {

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

std::string kernel_line() {
  utsname u{};
  std::string line = "kernel ";
  line += uname(&u) == 0 ? u.release : "(unknown)";
  auto features = probe_notify_features();
  if (!features) return line + ": " + features.error();
  return line + ": SYNC_WAKE_UP " + yes_no(features->sync_wake_up) + ", WAIT_KILLABLE_RECV " +
         yes_no(features->wait_killable_recv) + ", ADDFD_FLAG_SEND " + yes_no(features->addfd_send);
}

std::string libseccomp_line() {
  const scmp_version* v = seccomp_version();
  return "libseccomp " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->micro) + " (API level " + std::to_string(seccomp_api_get()) + ")";
}

}  // namespace

std::string version_text() {
  std::string text = "tollgate " TOLLGATE_DESCRIBED_VERSION "\n";
  if (is_development_build())
    text += "development build: reads the policies of the source tree " + source_policy_dir().string() + "\n";
  text += libseccomp_line() + "\n";
  text += kernel_line() + "\n";
  text += "policies: " + shipped_policy_path().describe();
  return text;
}

}  // namespace tollgate
