#include "bench/bench_options.h"

#include <fmt/core.h>

#include <fstream>

#include "bench/bench_process.h"

namespace tollgate::bench {

void add_program_options(CLI::App& app, ProgramPaths& paths, bool runs_tollgate) {
  if (runs_tollgate) app.add_option("--tollgate", paths.tollgate, "the tollgate binary");
  app.add_option("--floor", paths.floor, "the unotify_floor binary (default: next to this program)");
  app.add_option("--target", paths.target, "the bench_target binary (default: next to this program)");
  app.add_option("--json", paths.json, "also write the numbers to this file");
}

void add_repetition_options(CLI::App& app, int& rounds, long& count, int max_rounds,
                            const std::string& rounds_help, const std::string& count_help) {
  app.add_option("--rounds", rounds, rounds_help)->check(CLI::Range(1, max_rounds));
  app.add_option("--count", count, count_help)->check(CLI::Range(1L, 100000000L));
}

void fill_default_paths(ProgramPaths& paths) {
  const std::string dir = self_dir();
  if (paths.floor.empty()) paths.floor = dir + "/unotify_floor";
  if (paths.target.empty()) paths.target = dir + "/bench_target";
}

bool write_json_if_asked(const ProgramPaths& paths, const nlohmann::json& doc, const std::string& program) {
  if (paths.json.empty()) return true;
  std::ofstream out(paths.json);
  out << doc.dump(2) << '\n';
  if (out) return true;
  fmt::print(stderr, "{}: cannot write {}\n", program, paths.json);
  return false;
}

}  // namespace tollgate::bench
