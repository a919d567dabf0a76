// Hidden subcommands that print documents generated from the command line definition itself, used by the
// build (man/CMakeLists.txt) so man pages and completions cannot drift from `--help`:
//   tollgate __man PAGE [--prose FILE]   roff for tollgate(1), tollgate-SUBCOMMAND(1), tollgate-shim(1) or
//                                        tollgate-policy(5)
//   tollgate __complete bash|zsh         a completion script
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/logging.h"
#include "cli/man_page.h"
#include "cli/shell_completion.h"
#include "cli/shim_man_page.h"

namespace tollgate {
namespace {

constexpr std::string_view kPolicyPage = "tollgate-policy";

std::optional<std::string> read_prose(const std::optional<std::string>& path) {
  if (!path) return std::string();
  std::ifstream in(*path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int print_man_page(const CLI::App& root, const std::string& page,
                   const std::optional<std::string>& prose_path) {
  auto prose = read_prose(prose_path);
  if (!prose) {
    report_error("cannot read " + *prose_path);
    return exit_code::kUsage;
  }
  if (page == kPolicyPage) {
    std::cout << prose_man_page(page, 5, "the tollgate policy format", *prose);
    return 0;
  }
  if (page == kShimPage) {
    auto roff = shim_man_page(*prose);
    if (!roff) {
      report_error(prose_path.value_or("(no --prose)") + ": " + roff.error());
      return exit_code::kUsage;
    }
    std::cout << *roff;
    return 0;
  }
  if (page == "tollgate") {
    std::cout << command_man_page(root, page, *prose);
    return 0;
  }
  const std::string prefix = "tollgate-";
  const CLI::App* sub = nullptr;
  if (page.starts_with(prefix)) {
    auto found = root.get_subcommands([&](const CLI::App* s) {
      return !s->get_group().empty() && s->get_name() == page.substr(prefix.size());
    });
    if (!found.empty()) sub = found.front();
  }
  if (sub == nullptr) {
    report_error("no man page " + page);
    return exit_code::kUsage;
  }
  std::cout << command_man_page(*sub, page, *prose);
  return 0;
}

}  // namespace

Subcommand add_man_command(CLI::App& root) {
  struct Options {
    std::string page;
    std::optional<std::string> prose;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd =
      root.add_subcommand("__man", "print a man page (roff) built from this command line definition");
  cmd->group("");  // hidden: a build tool, not a user command
  cmd->add_option("page", o->page, "tollgate, tollgate-SUBCOMMAND, tollgate-shim or tollgate-policy")->required();
  cmd->add_option("--prose", o->prose, "Markdown with the hand-written sections");
  return {cmd, [&root, o] { return print_man_page(root, o->page, o->prose); }};
}

Subcommand add_complete_command(CLI::App& root) {
  auto shell = std::make_shared<std::string>();
  CLI::App* cmd = root.add_subcommand("__complete", "print a completion script for bash or zsh");
  cmd->group("");
  cmd->add_option("shell", *shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  return {cmd, [&root, shell] {
            std::cout << (*shell == "bash" ? bash_completion(root) : zsh_completion(root));
            return 0;
          }};
}

}  // namespace tollgate
