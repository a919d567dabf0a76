// The runtime shim's entry: before CLI11, because every argument after `shim` belongs to runc's command line.
#include <string_view>

#include "cli/commands.h"
#include "shim/runtime_shim.h"

namespace tollgate {

std::optional<int> run_shim_if_asked(int argc, char** argv) {
  if (argc < 1) return std::nullopt;
  std::string_view program = argv[0];
  if (auto slash = program.rfind('/'); slash != std::string_view::npos) program.remove_prefix(slash + 1);
  int first = 0;
  if (program == "tollgate-runtime")
    first = 1;
  else if (argc >= 2 && std::string_view(argv[1]) == "shim")
    first = 2;
  else
    return std::nullopt;
  return run_runtime_shim(std::vector<std::string>(argv + first, argv + argc));
}

}  // namespace tollgate
