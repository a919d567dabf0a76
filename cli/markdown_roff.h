// The small part of Markdown our prose uses (docs/*.md, man/*.md), rendered as man(7) roff, so that man
// pages are built from the same text as the docs instead of a copy that drifts: headings, paragraphs,
// fenced code, bullet and numbered lists, tables (as tagged paragraphs), `code` and **bold**.
#pragma once

#include <string>
#include <string_view>

namespace tollgate {

// Text escaped for roff: backslashes, hyphens as minus signs (they are mostly options), and a leading
// '.' or '\'' that roff would read as a request.
std::string roff_escape(std::string_view text);

// `code` and **bold** become bold, the rest is escaped.
std::string roff_inline(std::string_view text);

// "# X" becomes a section (.SH, upper case), "## X" and deeper a subsection (.SS).
std::string markdown_to_roff(std::string_view markdown);

}  // namespace tollgate
