#include "cli/markdown_roff.h"

#include <cctype>
#include <cstdio>
#include <vector>

namespace tollgate {
namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool starts_with_number_dot(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
  return i > 0 && i + 1 < line.size() && line[i] == '.' && line[i + 1] == ' ';
}

std::vector<std::string_view> table_cells(std::string_view row) {
  row = trim(row);
  if (row.starts_with('|')) row.remove_prefix(1);
  if (row.ends_with('|')) row.remove_suffix(1);
  std::vector<std::string_view> cells;
  // A '|' inside `code` does not split cells.
  bool in_code = false;
  size_t start = 0;
  for (size_t i = 0; i < row.size(); ++i) {
    if (row[i] == '`') in_code = !in_code;
    if (row[i] == '|' && !in_code) {
      cells.push_back(trim(row.substr(start, i - start)));
      start = i + 1;
    }
  }
  cells.push_back(trim(row.substr(start)));
  return cells;
}

bool is_table_separator(std::string_view line) {
  line = trim(line);
  return line.starts_with('|') && line.find_first_not_of("|-: ") == std::string_view::npos;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// A UTF-8 sequence as groff's \[uXXXX]: groff reads its input as Latin-1 and would mangle it otherwise.
// Returns the bytes consumed (at least 1; an invalid byte is passed through).
size_t append_unicode_escape(std::string_view text, size_t at, std::string& out) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  const size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  if (length == 1 || at + length > text.size()) {
    out += text[at];
    return 1;
  }
  unsigned code = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) code = (code << 6) | (byte(at + i) & 0x3F);
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\[u%04X]", code);
  out += buf;
  return length;
}

}  // namespace

std::string roff_escape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      i += append_unicode_escape(text, i, out);
      continue;
    }
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
    ++i;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string roff_inline(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '`') {
      size_t end = text.find('`', i + 1);
      if (end != std::string_view::npos) {
        out += "\\fB" + roff_escape(text.substr(i + 1, end - i - 1)) + "\\fR";
        i = end + 1;
        continue;
      }
    }
    if (text.substr(i).starts_with("**")) {
      size_t end = text.find("**", i + 2);
      if (end != std::string_view::npos) {
        out += "\\fB" + roff_inline(text.substr(i + 2, end - i - 2)) + "\\fR";
        i = end + 2;
        continue;
      }
    }
    size_t next = text.find_first_of("`*", i + 1);
    if (next == std::string_view::npos) next = text.size();
    std::string piece = roff_escape(text.substr(i, next - i));
    // Only the start of an output line can be mistaken for a request, and roff_escape guards that.
    if (!out.empty() && piece.starts_with("\\&")) piece.erase(0, 2);
    out += piece;
    i = next;
  }
  return out;
}

std::string markdown_to_roff(std::string_view markdown) {
  const auto lines = split_lines(markdown);
  std::string out;
  std::string paragraph;
  auto flush = [&] {
    if (!paragraph.empty()) out += roff_inline(paragraph) + "\n";
    paragraph.clear();
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    std::string_view stripped = trim(line);
    if (stripped.starts_with("```")) {
      flush();
      out += ".PP\n.RS 4\n.nf\n";
      for (++i; i < lines.size() && !trim(lines[i]).starts_with("```"); ++i)
        out += roff_escape(lines[i]) + "\n";
      out += ".fi\n.RE\n";
      continue;
    }
    if (stripped.empty()) {
      flush();
      continue;
    }
    if (line.starts_with('#')) {
      flush();
      size_t level = line.find_first_not_of('#');
      std::string_view title = trim(line.substr(level));
      out += level == 1 ? ".SH " + upper(roff_inline(title)) + "\n" : ".SS " + roff_inline(title) + "\n";
      continue;
    }
    if (stripped.starts_with('|')) {
      flush();
      const bool header = i + 1 < lines.size() && is_table_separator(lines[i + 1]);
      if (header || is_table_separator(line)) continue;
      auto cells = table_cells(line);
      std::string rest;
      for (size_t c = 1; c < cells.size(); ++c) rest += (c > 1 ? "; " : "") + std::string(cells[c]);
      out += ".TP\n" + roff_inline(cells[0]) + "\n" + roff_inline(rest) + "\n";
      continue;
    }
    const bool bullet = stripped.starts_with("- ") || stripped.starts_with("* ");
    if ((bullet || starts_with_number_dot(stripped)) && line.size() - stripped.size() < 2) {
      flush();
      if (bullet) {
        out += ".IP \\(bu 2\n";
        paragraph = stripped.substr(2);
      } else {
        size_t dot = stripped.find('.');
        out += ".IP " + std::string(stripped.substr(0, dot + 1)) + " 4\n";
        paragraph = trim(stripped.substr(dot + 1));
      }
      continue;
    }
    // A paragraph starts after a blank line; continuation lines (of a list item too) join it.
    if (paragraph.empty() && (i == 0 || trim(lines[i - 1]).empty())) out += ".PP\n";
    if (!paragraph.empty()) paragraph += ' ';
    paragraph += stripped;
  }
  flush();
  return out;
}

}  // namespace tollgate
