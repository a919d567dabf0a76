#include "supervisor/metrics/exposition_text.h"

#include <cstdio>

namespace tollgate {
namespace {

// Label values may hold anything a policy name or container id holds: backslash, quote and newline are
// the three characters the format escapes.
void append_escaped(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

// HELP text escapes backslash and newline only.
void append_help(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

std::string_view type_name(ExpositionText::Type type) {
  switch (type) {
    case ExpositionText::Type::Counter:
      return "counter";
    case ExpositionText::Type::Gauge:
      return "gauge";
    case ExpositionText::Type::Histogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

void ExpositionText::family(std::string_view name, Type type, std::string_view help) {
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  append_help(text_, help);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type_name(type);
  text_ += '\n';
}

void ExpositionText::write_name_and_labels(std::string_view name, Labels labels, std::string_view le) {
  text_ += name;
  if (labels.size() == 0 && le.empty()) return;
  text_ += '{';
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) text_ += ',';
    first = false;
    text_ += key;
    text_ += "=\"";
    append_escaped(text_, value);
    text_ += '"';
  }
  if (!le.empty()) {
    if (!first) text_ += ',';
    text_ += "le=\"";
    text_ += le;
    text_ += '"';
  }
  text_ += '}';
}

void ExpositionText::sample(std::string_view name, Labels labels, uint64_t value) {
  write_name_and_labels(name, labels);
  text_ += ' ';
  text_ += std::to_string(value);
  text_ += '\n';
}

void ExpositionText::sample(std::string_view name, Labels labels, double value) {
  write_name_and_labels(name, labels);
  char buf[64];
  std::snprintf(buf, sizeof buf, " %.9g\n", value);
  text_ += buf;
}

std::string ExpositionText::seconds_text(uint64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(ns) / 1e9);
  return buf;
}

void ExpositionText::histogram_bucket(std::string_view name, Labels labels, std::string_view le,
                                      uint64_t cumulative) {
  write_name_and_labels(name, labels, le);
  text_ += ' ';
  text_ += std::to_string(cumulative);
  text_ += '\n';
}

}  // namespace tollgate
