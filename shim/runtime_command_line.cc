#include "shim/runtime_command_line.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace tollgate {
namespace {

// Global options with a value, of runc 1.1.5 and crun 1.8.1. Go's flag package accepts one dash or two.
constexpr std::array<std::string_view, 7> kValuedGlobals = {"root",     "log",       "log-format",    "criu",
                                                            "rootless", "log-level", "cgroup-manager"};
// `exec` options with a value, of runc 1.1.5 and crun 1.8.1: the container id is the first argument after
// them.
constexpr std::array<std::string_view, 17> kValuedExecFlags = {
    "console-socket", "cwd",     "env",          "e",   "user",         "u",        "additional-gids",
    "g",              "process", "p",            "cap", "c",            "apparmor", "process-label",
    "preserve-fds",   "pid-file", "cgroup"};

// "--name" or "-name" -> "name"; anything else -> empty.
std::string_view flag_name(std::string_view arg) {
  if (arg.size() < 2 || arg[0] != '-') return {};
  arg.remove_prefix(arg[1] == '-' ? 2 : 1);
  return arg;
}

// One flag at args[i], with its value when it has one (`--name=value`, or the next argument when `name`
// is in `valued`); advances i past what it used.
struct Flag {
  std::string_view name;
  std::optional<std::string> value;
};
template <size_t N>
Flag read_flag(const std::vector<std::string>& args, size_t& i, const std::array<std::string_view, N>& valued) {
  Flag flag{flag_name(args[i]), std::nullopt};
  if (auto eq = flag.name.find('='); eq != std::string_view::npos) {
    flag.value = std::string(flag.name.substr(eq + 1));
    flag.name = flag.name.substr(0, eq);
  } else if (std::find(valued.begin(), valued.end(), flag.name) != valued.end() && i + 1 < args.size()) {
    flag.value = args[++i];
  }
  return flag;
}

void read_exec(const std::vector<std::string>& args, size_t i, RuntimeCommandLine& line) {
  for (; i < args.size(); ++i) {
    if (flag_name(args[i]).empty()) {
      line.container_id = args[i];
      return;
    }
    Flag flag = read_flag(args, i, kValuedExecFlags);
    if ((flag.name == "process" || flag.name == "p") && flag.value) line.process_file = flag.value;
  }
}

}  // namespace

RuntimeCommandLine read_runtime_command_line(const std::vector<std::string>& args) {
  RuntimeCommandLine line;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    if (flag_name(args[i]).empty()) break;  // the command
    Flag flag = read_flag(args, i, kValuedGlobals);
    if (flag.name == "log" && flag.value) line.log_path = flag.value;
    if (flag.name == "log-format" && flag.value == "json") line.log_format = RuntimeLogFormat::Json;
    if (flag.name == "root" && flag.value) line.root = flag.value;
  }
  if (i == args.size()) return line;
  line.command = args[i];
  if (line.command == "exec") {
    read_exec(args, i + 1, line);
    return line;
  }
  if (!line.rewrites_spec() && line.command != "delete") return line;
  for (size_t j = i + 1; j < args.size(); ++j) {
    std::string_view name = flag_name(args[j]);
    if (name == "bundle" || name == "b") {
      if (j + 1 < args.size()) line.bundle = args[++j];
    } else if (name.starts_with("bundle=") || name.starts_with("b=")) {
      line.bundle = std::string(name.substr(name.find('=') + 1));
    } else if (name == "detach" || name == "d") {
      line.detach = true;
    }
  }
  if (i + 1 < args.size() && !args.back().starts_with("-")) line.container_id = args.back();
  return line;
}

}  // namespace tollgate
