#include "tests/integration/host_program.h"

#include <regex>
#include <stdexcept>

#include "tests/integration/harness.h"

namespace tollgate::testing {

void add_host_program(const std::filesystem::path& rootfs, const std::string& program,
                      const std::string& destination) {
  namespace fs = std::filesystem;
  ProcessResult ldd = run_process({"/usr/bin/ldd", program});
  if (ldd.status != 0) throw std::runtime_error("ldd " + program + ": " + ldd.err);
  // Lines are "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2
  // (0x...)".
  const std::regex library(R"((/[^ \t]+) \(0x)");
  for (auto it = std::sregex_iterator(ldd.out.begin(), ldd.out.end(), library); it != std::sregex_iterator();
       ++it) {
    const fs::path source = (*it)[1].str();
    const fs::path target = rootfs / source.relative_path();
    fs::create_directories(target.parent_path());
    fs::copy_file(fs::canonical(source), target, fs::copy_options::overwrite_existing);
  }
  const fs::path target = rootfs / fs::path(destination).relative_path();
  fs::create_directories(target.parent_path());
  fs::copy_file(program, target, fs::copy_options::overwrite_existing);
}

}  // namespace tollgate::testing
