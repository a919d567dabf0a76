// bash and zsh completion scripts generated from the CLI11 definition, so they know exactly the
// subcommands and options `--help` shows.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace tollgate {

std::string bash_completion(const CLI::App& root);
std::string zsh_completion(const CLI::App& root);

}  // namespace tollgate
