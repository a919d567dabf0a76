#include "shim/runtime_command_line.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace tollgate {
namespace {

// Global options with a value, of runc 1.1.5 and crun 1.8.1. Go's flag package accepts one dash or two.
constexpr std::array<std::string_view, 7> kValuedGlobals = {"root",     "log",       "log-format",    "criu",
                                                            "rootless", "log-level", "cgroup-manager"};

// "--name" or "-name" -> "name"; anything else -> empty.
std::string_view flag_name(std::string_view arg) {
  if (arg.size() < 2 || arg[0] != '-') return {};
  arg.remove_prefix(arg[1] == '-' ? 2 : 1);
  return arg;
}

}  // namespace

RuntimeCommandLine read_runtime_command_line(const std::vector<std::string>& args) {
  RuntimeCommandLine line;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    std::string_view name = flag_name(args[i]);
    if (name.empty()) break;  // the command
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string_view::npos) {
      value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    } else if (std::find(kValuedGlobals.begin(), kValuedGlobals.end(), name) != kValuedGlobals.end() &&
               i + 1 < args.size()) {
      value = args[++i];
    }
    if (name == "log" && value) line.log_path = *value;
    if (name == "log-format" && value == "json") line.log_format = RuntimeLogFormat::Json;
  }
  if (i == args.size()) return line;
  line.command = args[i];
  if (!line.rewrites_spec()) return line;
  for (size_t j = i + 1; j < args.size(); ++j) {
    std::string_view name = flag_name(args[j]);
    if (name == "bundle" || name == "b") {
      if (j + 1 < args.size()) line.bundle = args[++j];
    } else if (name.starts_with("bundle=") || name.starts_with("b=")) {
      line.bundle = std::string(name.substr(name.find('=') + 1));
    }
  }
  if (i + 1 < args.size() && !args.back().starts_with("-")) line.container_id = args.back();
  return line;
}

}  // namespace tollgate
