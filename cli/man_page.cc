#include "cli/man_page.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>

#include "cli/markdown_roff.h"

namespace tollgate {
namespace {

constexpr std::string_view kPlaceholder = "{{OPTIONS}}";

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string title_header(std::string_view page_name, int section) {
  return ".TH " + upper(roff_escape(page_name)) + " " + std::to_string(section) + " \"\" \"tollgate\" \"" +
         (section == 1 ? "User Commands" : "File Formats") + "\"\n";
}

// "tollgate ctl allow": the command's full name, from the root down.
std::string full_name(const CLI::App& command) {
  std::string name = command.get_name();
  for (const CLI::App* p = command.get_parent(); p != nullptr; p = p->get_parent())
    name = p->get_name() + " " + name;
  return name;
}

// The first line of a description, without a trailing period: the NAME line's summary.
std::string summary_of(const CLI::App& command) {
  std::string d = command.get_description();
  d = d.substr(0, d.find('\n'));
  if (d.rfind("tollgate: ", 0) == 0) d.erase(0, 10);
  if (!d.empty() && d.back() == '.') d.pop_back();
  return d;
}

bool takes_value(const CLI::Option& opt) {
  return opt.get_items_expected_max() != 0 || opt.get_positional();
}

std::string value_name(const CLI::Option& opt) {
  std::string type = opt.get_type_name();
  if (type.empty()) type = "VALUE";
  return type;
}

std::vector<const CLI::App*> visible_subcommands(const CLI::App& command) {
  return command.get_subcommands([](const CLI::App* sub) { return !sub->get_group().empty(); });
}

std::vector<const CLI::Option*> named_options(const CLI::App& command) {
  return command.get_options(
      [](const CLI::Option* o) { return !o->get_positional() && !o->get_group().empty(); });
}

std::vector<const CLI::Option*> positionals(const CLI::App& command) {
  return command.get_options([](const CLI::Option* o) { return o->get_positional(); });
}

std::string synopsis(const CLI::App& command) {
  std::string s = ".B " + roff_escape(full_name(command)) + "\n";
  if (!named_options(command).empty()) s += "[\\fIOPTIONS\\fR]\n";
  for (const CLI::Option* p : positionals(command)) {
    std::string name = roff_escape(upper(p->get_name(true)));
    if (p->get_items_expected_max() > 1) name += "...";
    s += p->get_required() ? "\\fI" + name + "\\fR\n" : "[\\fI" + name + "\\fR]\n";
  }
  if (!visible_subcommands(command).empty()) s += "\\fICOMMAND\\fR [\\fIARGS\\fR]\n";
  return s;
}

std::string option_entry(const CLI::Option& opt) {
  std::string names;
  for (const auto& s : opt.get_snames())
    names += (names.empty() ? "" : ", ") + ("\\fB\\-" + roff_escape(s) + "\\fR");
  for (const auto& l : opt.get_lnames())
    names += (names.empty() ? "" : ", ") + ("\\fB\\-\\-" + roff_escape(l) + "\\fR");
  if (opt.get_positional())
    names = "\\fI" + roff_escape(upper(opt.get_name(true))) + "\\fR";
  else if (takes_value(opt))
    names += " \\fI" + roff_escape(value_name(opt)) + "\\fR";
  std::string text = roff_inline(opt.get_description());
  if (!opt.get_default_str().empty())
    text += " (default: \\fB" + roff_escape(opt.get_default_str()) + "\\fR)";
  return ".TP\n" + names + "\n" + text + "\n";
}

// OPTIONS, then COMMANDS with each subcommand's own arguments and options.
std::string generated_sections(const CLI::App& command) {
  std::string s;
  auto args = positionals(command);
  auto opts = named_options(command);
  if (!args.empty() || !opts.empty()) {
    s += ".SH OPTIONS\n";
    for (const CLI::Option* o : args) s += option_entry(*o);
    for (const CLI::Option* o : opts) s += option_entry(*o);
  }
  // The footer of --help (exit status, examples, where to read more) belongs in the page as well.
  if (std::string footer = command.get_footer(); footer.find_first_not_of(" \n") != std::string::npos) {
    s += ".PP\n.nf\n";
    for (size_t at = footer.find_first_not_of('\n'); at < footer.size();) {
      size_t end = std::min(footer.find('\n', at), footer.size());
      s += roff_escape(footer.substr(at, end - at)) + "\n";
      at = end + 1;
    }
    s += ".fi\n";
  }
  auto subs = visible_subcommands(command);
  if (!subs.empty()) {
    s += ".SH COMMANDS\n";
    for (const CLI::App* sub : subs) {
      std::string usage = "\\fB" + roff_escape(sub->get_name()) + "\\fR";
      for (const CLI::Option* p : positionals(*sub))
        usage += " \\fI" + roff_escape(upper(p->get_name(true))) + "\\fR";
      const bool own_page = command.get_parent() == nullptr;
      if (own_page) usage += " (see \\fBtollgate\\-" + roff_escape(sub->get_name()) + "\\fR(1))";
      s += ".TP\n" + usage + "\n" + roff_inline(sub->get_description()) + "\n";
      if (own_page) continue;
      // --help is everywhere; listing it under each of these would drown what differs.
      for (const CLI::Option* o : named_options(*sub))
        if (o != sub->get_help_ptr()) s += ".RS\n" + option_entry(*o) + ".RE\n";
    }
  }
  return s;
}

}  // namespace

std::string command_man_page(const CLI::App& command, std::string_view page_name, std::string_view prose) {
  std::string page = title_header(page_name, 1);
  page += ".SH NAME\n" + roff_escape(page_name) + " \\- " + roff_inline(summary_of(command)) + "\n";
  page += ".SH SYNOPSIS\n" + synopsis(command);
  std::string text(prose);
  const std::string generated = generated_sections(command);
  if (size_t at = text.find(kPlaceholder); at != std::string::npos) {
    // The generated roff goes between two halves of prose.
    return page + markdown_to_roff(text.substr(0, at)) + generated +
           markdown_to_roff(text.substr(at + kPlaceholder.size()));
  }
  size_t second_section = text.find("\n# ");
  if (second_section == std::string::npos) return page + markdown_to_roff(text) + generated;
  return page + markdown_to_roff(text.substr(0, second_section)) + generated +
         markdown_to_roff(text.substr(second_section + 1));
}

std::string prose_man_page(std::string_view page_name, int section, std::string_view summary,
                           std::string_view prose) {
  // A document's own title ("# Policies") would repeat NAME: its opening text is the DESCRIPTION. Prose
  // written as a page starts with a section name in capitals ("# SYNOPSIS") and keeps it.
  std::string text(prose);
  const std::string_view first_line = std::string_view(text).substr(0, text.find('\n'));
  const bool page_section = std::ranges::none_of(first_line, [](char c) { return std::islower(c) != 0; });
  if (text.starts_with("# ") && !page_section) text.replace(0, first_line.size(), "# DESCRIPTION");
  return title_header(page_name, section) + ".SH NAME\n" + roff_escape(page_name) + " \\- " +
         roff_inline(summary) + "\n" + markdown_to_roff(text);
}

}  // namespace tollgate
