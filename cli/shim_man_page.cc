#include "cli/shim_man_page.h"

#include "cli/man_page.h"
#include "shim/container_settings.h"
#include "shim/runtime_config.h"

namespace tollgate {
namespace {

// Replaces `placeholder` in `text` with `replacement`. False when the prose lost it: the page would silently
// lose its table, so the caller fails the build instead.
bool fill(std::string& text, std::string_view placeholder, const std::string& replacement) {
  size_t at = text.find(placeholder);
  if (at == std::string::npos) return false;
  text.replace(at, placeholder.size(), replacement);
  return true;
}

std::string modes_table() {
  std::string s = "| mode | what it does |\n|---|---|\n";
  for (const auto& m : shim_modes()) s += "| `" + std::string(m.name) + "` | " + std::string(m.summary) + " |\n";
  return s;
}

std::string settings_table() {
  std::string s = "| key | meaning |\n|---|---|\n";
  for (const auto& setting : runtime_config_settings())
    s += "| `" + std::string(setting.key) + "` | " + std::string(setting.meaning) + ". Default: " +
         std::string(setting.default_value) + ". |\n";
  return s;
}

}  // namespace

std::expected<std::string, std::string> shim_man_page(std::string_view prose) {
  std::string text(prose);
  if (!fill(text, "{{MODES}}", modes_table())) return std::unexpected("the prose has no {{MODES}} line");
  if (!fill(text, "{{SETTINGS}}", settings_table())) return std::unexpected("the prose has no {{SETTINGS}} line");
  return prose_man_page(kShimPage, 1, "an OCI runtime in front of runc or crun that puts containers under tollgate",
                        text);
}

}  // namespace tollgate
