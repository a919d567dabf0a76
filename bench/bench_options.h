// What every benchmark program's command line shares: the programs it runs and where its numbers go.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace tollgate::bench {

struct ProgramPaths {
  std::string tollgate = TOLLGATE_BIN;
  std::string floor, target;  // default: unotify_floor and bench_target next to the benchmark
  std::string json;           // empty: no JSON file
};

// --floor, --target, --json, and --tollgate when the benchmark runs the tollgate binary.
void add_program_options(CLI::App& app, ProgramPaths& paths, bool runs_tollgate);
// --rounds (1..max_rounds) and --count (getppid calls), with what one round and one count mean here.
void add_repetition_options(CLI::App& app, int& rounds, long& count, int max_rounds,
                            const std::string& rounds_help, const std::string& count_help);
// The defaults that depend on where the benchmark itself lives.
void fill_default_paths(ProgramPaths& paths);
// Writes `doc` to `paths.json` when one was asked for; false (said on stderr) when it cannot.
bool write_json_if_asked(const ProgramPaths& paths, const nlohmann::json& doc, const std::string& program);

}  // namespace tollgate::bench
