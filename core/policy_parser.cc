#include "core/policy_parser.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <utility>

#include "core/errno_names.h"
#include "core/file_text.h"
#include "core/json_input.h"
#include "core/syscall_groups.h"
#include "core/syscall_names.h"
#include "core/syscall_signatures.h"

namespace tollgate {
namespace {

using nlohmann::json;

// Thrown inside the parser only; parse_policy_json turns it into a PolicyError value.
struct ParseFailure {
  std::string pointer;
  std::string message;
};

[[noreturn]] void fail(std::string pointer, std::string message) {
  throw ParseFailure{std::move(pointer), std::move(message)};
}

std::string quote_name(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::string_view type_name(const json& v) {
  return v.type_name();
}

const json& require_type(const json& v, json::value_t t, const std::string& ptr, std::string_view what) {
  bool ok = v.type() == t ||
            (t == json::value_t::number_unsigned && v.is_number_integer() && v.get<int64_t>() >= 0);
  if (!ok) fail(ptr, "expected " + std::string(what) + ", got " + std::string(type_name(v)));
  return v;
}

std::string get_string(const json& v, const std::string& ptr) {
  if (!v.is_string()) fail(ptr, "expected a string, got " + std::string(type_name(v)));
  return v.get<std::string>();
}

// Numbers as JSON integers (negative ones wrap to u64 as a register would hold them) or "0x..." strings.
uint64_t get_u64(const json& v, const std::string& ptr) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer()) return static_cast<uint64_t>(v.get<int64_t>());
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    size_t used = 0;
    try {
      uint64_t n = std::stoull(s, &used, 0);
      if (used == s.size()) return n;
    } catch (const std::exception&) {
    }
    fail(ptr, "expected a number, got the string " + quote_name(s));
  }
  fail(ptr, "expected a number, got " + std::string(type_name(v)));
}

unsigned get_uint(const json& v, const std::string& ptr, unsigned max) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > max)
    fail(ptr, "expected an integer from 0 to " + std::to_string(max));
  return static_cast<unsigned>(v.get<int64_t>());
}

void check_keys(const json& obj, const std::string& ptr, std::initializer_list<std::string_view> allowed,
                bool strict) {
  if (!strict) return;
  for (const auto& [key, _] : obj.items()) {
    bool known = false;
    for (auto a : allowed) known = known || key == a;
    if (!known) fail(ptr + "/" + key, "unknown key " + quote_name(key));
  }
}

FilterAction parse_filter_action(const std::string& s, const std::string& ptr) {
  static const std::pair<std::string_view, FilterAction> kActions[] = {
      {"SCMP_ACT_ALLOW", FilterAction::Allow},
      {"SCMP_ACT_ERRNO", FilterAction::Errno},
      {"SCMP_ACT_KILL", FilterAction::KillThread},
      {"SCMP_ACT_KILL_THREAD", FilterAction::KillThread},
      {"SCMP_ACT_KILL_PROCESS", FilterAction::KillProcess},
      {"SCMP_ACT_TRAP", FilterAction::Trap},
      {"SCMP_ACT_LOG", FilterAction::Log},
      {"SCMP_ACT_TRACE", FilterAction::Trace},
      {"SCMP_ACT_NOTIFY", FilterAction::Notify},
  };
  for (auto [name, action] : kActions)
    if (s == name) return action;
  fail(ptr, "unknown action " + quote_name(s));
}

ArgOp parse_op(const std::string& s, const std::string& ptr) {
  static const std::tuple<std::string_view, std::string_view, ArgOp> kOps[] = {
      {"SCMP_CMP_NE", "ne", ArgOp::NotEqual},
      {"SCMP_CMP_LT", "lt", ArgOp::LessThan},
      {"SCMP_CMP_LE", "le", ArgOp::LessEqual},
      {"SCMP_CMP_EQ", "eq", ArgOp::Equal},
      {"SCMP_CMP_GE", "ge", ArgOp::GreaterEqual},
      {"SCMP_CMP_GT", "gt", ArgOp::GreaterThan},
      {"SCMP_CMP_MASKED_EQ", "masked_eq", ArgOp::MaskedEqual},
  };
  for (auto [long_name, short_name, op] : kOps)
    if (s == long_name || s == short_name) return op;
  fail(ptr, "unknown comparison " + quote_name(s));
}

int parse_errno(const json& v, const std::string& ptr) {
  if (v.is_string()) {
    auto e = errno_from_name(v.get<std::string>());
    if (!e) fail(ptr, "unknown errno name " + quote_name(v.get<std::string>()));
    return *e;
  }
  return static_cast<int>(get_uint(v, ptr, 4095));
}

class Parser {
 public:
  Parser(const PolicyParseOptions& options)
      : options_(options), strict_(options.flavor == PolicyFlavor::Tollgate) {}

  Policy parse(const json& doc) {
    if (!doc.is_object())
      fail("", "expected a JSON object at the top level, got " + std::string(type_name(doc)));
    check_keys(doc, "",
               {"comment", "defaultAction", "defaultErrnoRet", "defaultErrno", "architectures", "archMap",
                "syscalls", "rules", "flags", "listenerPath", "listenerMetadata"},
               strict_);
    Policy p;
    if (doc.contains("comment")) p.comment = get_string(doc["comment"], "/comment");
    if (!doc.contains("defaultAction"))
      fail("/defaultAction", "missing (every profile needs a default action)");
    p.filter.default_action =
        parse_filter_action(get_string(doc["defaultAction"], "/defaultAction"), "/defaultAction");
    default_action_ = p.filter.default_action;
    if (doc.contains("defaultErrnoRet"))
      p.filter.default_errno_ret =
          static_cast<int>(get_uint(doc["defaultErrnoRet"], "/defaultErrnoRet", 4095));
    parse_architectures(doc, p.filter);
    if (doc.contains("syscalls")) {
      const json& list = require_type(doc["syscalls"], json::value_t::array, "/syscalls", "an array");
      for (size_t i = 0; i < list.size(); ++i)
        p.filter.syscalls.push_back(parse_entry(list[i], "/syscalls/" + std::to_string(i), p.filter));
    }
    if (doc.contains("rules")) {
      const json& list = require_type(doc["rules"], json::value_t::array, "/rules", "an array");
      for (size_t i = 0; i < list.size(); ++i)
        p.rules.push_back(parse_rule(list[i], "/rules/" + std::to_string(i)));
      check_allow_after_string_rules(p.rules);
    }
    p.document = doc;
    return p;
  }

 private:
  void parse_architectures(const json& doc, FilterLayer& filter) {
    if (doc.contains("architectures")) {
      const json& list =
          require_type(doc["architectures"], json::value_t::array, "/architectures", "an array");
      for (size_t i = 0; i < list.size(); ++i)
        filter.architectures.push_back(get_string(list[i], "/architectures/" + std::to_string(i)));
    }
    if (doc.contains("archMap")) {
      const json& list = require_type(doc["archMap"], json::value_t::array, "/archMap", "an array");
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string ptr = "/archMap/" + std::to_string(i);
        require_type(list[i], json::value_t::object, ptr, "an object");
        if (list[i].contains("architecture"))
          filter.architectures.push_back(get_string(list[i]["architecture"], ptr + "/architecture"));
      }
    }
  }

  EntryCondition parse_condition(const json& v, const std::string& ptr) {
    EntryCondition c;
    if (v.is_null()) return c;
    require_type(v, json::value_t::object, ptr, "an object");
    check_keys(v, ptr, {"caps", "arches", "minKernel"}, strict_);
    auto strings = [&](const char* key, std::vector<std::string>& out) {
      if (!v.contains(key) || v[key].is_null()) return;
      const json& list = require_type(v[key], json::value_t::array, ptr + "/" + key, "an array");
      for (size_t i = 0; i < list.size(); ++i)
        out.push_back(get_string(list[i], ptr + "/" + key + "/" + std::to_string(i)));
    };
    strings("caps", c.caps);
    strings("arches", c.arches);
    if (v.contains("minKernel") && !v["minKernel"].is_null()) {
      const std::string s = get_string(v["minKernel"], ptr + "/minKernel");
      KernelVersion k;
      if (s.empty() || std::sscanf(s.c_str(), "%u.%u", &k.major, &k.minor) < 1)
        fail(ptr + "/minKernel", "expected a kernel version like \"5.8\", got " + quote_name(s));
      c.min_kernel = k;
    }
    return c;
  }

  std::vector<ArgCondition> parse_args(const json& v, const std::string& ptr) {
    std::vector<ArgCondition> out;
    if (v.is_null()) return out;
    require_type(v, json::value_t::array, ptr, "an array");
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string p = ptr + "/" + std::to_string(i);
      require_type(v[i], json::value_t::object, p, "an object");
      check_keys(v[i], p, {"index", "value", "valueTwo", "op"}, strict_);
      ArgCondition c;
      if (!v[i].contains("index")) fail(p + "/index", "missing");
      c.index = get_uint(v[i]["index"], p + "/index", 5);
      if (v[i].contains("value")) c.value = get_u64(v[i]["value"], p + "/value");
      if (v[i].contains("valueTwo")) c.value_two = get_u64(v[i]["valueTwo"], p + "/valueTwo");
      if (!v[i].contains("op")) fail(p + "/op", "missing");
      c.op = parse_op(get_string(v[i]["op"], p + "/op"), p + "/op");
      out.push_back(c);
    }
    return out;
  }

  using WrittenNames = std::vector<std::pair<std::string, std::string>>;  // name, JSON pointer

  WrittenNames collect_names(const json& list, const std::string& ptr) {
    WrittenNames written;
    require_type(list, json::value_t::array, ptr, "an array");
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string p = ptr + "/" + std::to_string(i);
      written.emplace_back(get_string(list[i], p), p);
    }
    if (written.empty()) fail(ptr, "empty (at least one syscall name is needed)");
    return written;
  }

  // What to do with a name this machine does not have (unknown to libseccomp, or not a syscall of the native
  // architecture).
  enum class UnknownName {
    Refuse,          // a rule's syscall: a typo there is a configuration error
    Skip,            // a Docker/OCI profile (runc skips them), or an entry marked "optional"
    SkipIfHarmless,  // a tollgate policy's filter entry: skip unless skipping could let the call through
  };

  // How much an action holds a call back: skipping a name hands its calls to the defaultAction, which is safe
  // only when the default holds them back at least as much as the entry did.
  static int strictness(FilterAction a) {
    switch (a) {
      case FilterAction::Allow:
      case FilterAction::Log: return 0;
      case FilterAction::Notify:
      case FilterAction::Trace: return 1;  // someone else decides, and may let the call run
      default: return 2;                   // errno, trap, kill
    }
  }

  // Expands groups and resolves names. A group member missing on this architecture is simply not there.
  std::vector<std::string> resolve_names(const WrittenNames& written, UnknownName unknown, FilterLayer* filter,
                                         FilterAction action = FilterAction::Allow) {
    std::vector<std::string> names;
    for (const auto& [name, p] : written) {
      const bool is_group = name.starts_with("@");
      auto expanded = expand_syscall_group(name);
      if (!expanded) fail(p, expanded.error());
      for (const std::string& n : *expanded) {
        auto nr = resolve_native_syscall(n);
        if (nr) {
          names.push_back(n);
          continue;
        }
        if (is_group) continue;
        refuse_unknown_name(n, p, nr.error(), unknown, action);
        if (filter != nullptr)
          filter->skipped_names.push_back({n, p, nr.error() == SyscallNameProblem::UnknownToLibseccomp});
      }
    }
    return names;
  }

  // Fails unless the name may be skipped. A syscall of another architecture cannot be called here at all, so
  // skipping it is always harmless; a name libseccomp does not know may be a typo, or a syscall newer than
  // libseccomp that this kernel has: skipping it from an entry stricter than the default (NOTIFY under an
  // ALLOW default) would let that call through.
  void refuse_unknown_name(const std::string& n, const std::string& p, SyscallNameProblem problem,
                           UnknownName unknown, FilterAction action) {
    if (unknown == UnknownName::Skip) return;
    const std::string what = "unknown syscall " + quote_name(n) + " (" + describe(problem);
    if (unknown == UnknownName::Refuse) fail(p, what + ")");
    if (problem == SyscallNameProblem::NotOnThisArch || strictness(default_action_) >= strictness(action)) return;
    fail(p, what + "; skipping it from this " + std::string(to_string(action)) +
                " entry would give its calls the more permissive defaultAction " +
                std::string(to_string(default_action_)) + ": correct the name, or mark the entry \"optional\": true)");
  }

  SyscallEntry parse_entry(const json& v, const std::string& ptr, FilterLayer& filter) {
    require_type(v, json::value_t::object, ptr, "an object");
    check_keys(v, ptr,
               {"names", "name", "action", "args", "comment", "includes", "excludes", "errnoRet", "errno",
                "optional"},
               strict_);
    SyscallEntry e;
    e.json_pointer = ptr;
    bool optional = false;
    if (v.contains("optional")) {
      if (!v["optional"].is_boolean()) fail(ptr + "/optional", "expected true or false");
      optional = v["optional"].get<bool>();
    }
    WrittenNames written;
    if (v.contains("names")) written = collect_names(v["names"], ptr + "/names");
    if (v.contains("name")) written.emplace_back(get_string(v["name"], ptr + "/name"), ptr + "/name");
    if (written.empty()) fail(ptr + "/names", "missing (an entry needs at least one syscall name)");
    if (!v.contains("action")) fail(ptr + "/action", "missing");
    e.action = parse_filter_action(get_string(v["action"], ptr + "/action"), ptr + "/action");
    const UnknownName unknown = !strict_ || optional ? UnknownName::Skip : UnknownName::SkipIfHarmless;
    e.names = resolve_names(written, unknown, &filter, e.action);
    if (v.contains("errnoRet") && !v["errnoRet"].is_null())
      e.errno_ret = static_cast<int>(get_uint(v["errnoRet"], ptr + "/errnoRet", 4095));
    if (v.contains("args")) e.args = parse_args(v["args"], ptr + "/args");
    if (v.contains("comment") && !v["comment"].is_null())
      e.comment = get_string(v["comment"], ptr + "/comment");
    if (v.contains("includes")) e.includes = parse_condition(v["includes"], ptr + "/includes");
    if (v.contains("excludes")) e.excludes = parse_condition(v["excludes"], ptr + "/excludes");
    return e;
  }

  std::vector<StringCondition> parse_strings(const json& v, const std::string& ptr, const Rule& rule) {
    std::vector<StringCondition> out;
    require_type(v, json::value_t::array, ptr, "an array");
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string p = ptr + "/" + std::to_string(i);
      require_type(v[i], json::value_t::object, p, "an object");
      check_keys(v[i], p, {"index", "equals", "glob"}, true);
      StringCondition c;
      if (!v[i].contains("index")) fail(p + "/index", "missing");
      c.index = get_uint(v[i]["index"], p + "/index", 5);
      if (v[i].contains("equals") == v[i].contains("glob"))
        fail(p, "needs exactly one of \"equals\" or \"glob\"");
      c.glob = v[i].contains("glob");
      c.pattern = get_string(c.glob ? v[i]["glob"] : v[i]["equals"], p + (c.glob ? "/glob" : "/equals"));
      for (const std::string& name : rule.syscalls) {
        const SyscallSignature* sig = find_syscall_signature(name);
        const bool is_string = sig != nullptr && c.index < sig->arg_count &&
                               (sig->args[c.index] == ArgKind::Path || sig->args[c.index] == ArgKind::String);
        if (!is_string)
          fail(p + "/index", "argument " + std::to_string(c.index) + " of " + name + " is not a string");
      }
      out.push_back(std::move(c));
    }
    return out;
  }

  CallerCondition parse_caller(const json& v, const std::string& ptr) {
    require_type(v, json::value_t::object, ptr, "an object");
    check_keys(v, ptr, {"comm", "exe", "uid", "gid"}, true);
    CallerCondition c;
    if (v.contains("comm")) c.comm = get_string(v["comm"], ptr + "/comm");
    if (v.contains("exe")) c.exe = get_string(v["exe"], ptr + "/exe");
    if (v.contains("uid")) c.uid = get_uint(v["uid"], ptr + "/uid", 0xffffffffu);
    if (v.contains("gid")) c.gid = get_uint(v["gid"], ptr + "/gid", 0xffffffffu);
    return c;
  }

  Rule parse_rule(const json& v, const std::string& ptr) {
    require_type(v, json::value_t::object, ptr, "an object");
    check_keys(v, ptr,
               {"name", "comment", "syscalls", "args", "strings", "caller", "action", "errno", "handler",
                "options", "timeout", "default", "log"},
               true);
    Rule r;
    r.json_pointer = ptr;
    r.name = v.contains("name") ? get_string(v["name"], ptr + "/name") : ptr.substr(1);
    if (v.contains("comment")) r.comment = get_string(v["comment"], ptr + "/comment");
    if (!v.contains("syscalls")) fail(ptr + "/syscalls", "missing (a rule names the syscalls it decides)");
    r.syscalls = resolve_names(collect_names(v["syscalls"], ptr + "/syscalls"), UnknownName::Refuse, nullptr);
    if (v.contains("args")) r.args = parse_args(v["args"], ptr + "/args");
    if (v.contains("strings")) r.strings = parse_strings(v["strings"], ptr + "/strings", r);
    if (v.contains("caller")) r.caller = parse_caller(v["caller"], ptr + "/caller");
    if (!v.contains("action")) fail(ptr + "/action", "missing");
    const std::string action = get_string(v["action"], ptr + "/action");
    if (action == "allow")
      r.action = RuleAction::Allow;
    else if (action == "deny")
      r.action = RuleAction::Deny;
    else if (action == "emulate")
      r.action = RuleAction::Emulate;
    else if (action == "ask")
      r.action = RuleAction::Ask;
    else
      fail(ptr + "/action",
           "unknown action " + quote_name(action) + " (expected allow, deny, emulate or ask)");

    if (v.contains("errno")) r.errno_value = parse_errno(v["errno"], ptr + "/errno");
    if (r.action == RuleAction::Allow && !r.strings.empty())
      fail(ptr + "/action",
           "\"allow\" answers CONTINUE, which is unsafe for a rule that matched on a pointer argument (the "
           "target can change its memory after the check); use \"emulate\" or \"deny\"");
    if (r.action == RuleAction::Emulate) {
      if (!v.contains("handler")) fail(ptr + "/handler", "missing (\"emulate\" needs a handler name)");
      r.handler = get_string(v["handler"], ptr + "/handler");
      if (!options_.handler_exists(r.handler))
        fail(ptr + "/handler", "unknown emulation handler " + quote_name(r.handler));
      if (v.contains("options"))
        r.handler_options = require_type(v["options"], json::value_t::object, ptr + "/options", "an object");
      if (auto bad = options_.handler_options_error(r.handler, r.handler_options))
        fail(ptr + "/options" + bad->first, bad->second);
    } else if (v.contains("handler") || v.contains("options")) {
      fail(ptr + (v.contains("handler") ? "/handler" : "/options"), "only \"emulate\" rules take a handler");
    }
    if (r.action == RuleAction::Ask) {
      if (v.contains("timeout")) {
        const json& t = v["timeout"];
        if (!t.is_number() || t.get<double>() <= 0 || t.get<double>() > 86400)
          fail(ptr + "/timeout", "expected seconds, a number above 0 and at most 86400");
        r.ask_timeout = std::chrono::milliseconds(static_cast<int64_t>(t.get<double>() * 1000));
      }
      if (v.contains("default")) {
        const std::string d = get_string(v["default"], ptr + "/default");
        if (d != "allow" && d != "deny")
          fail(ptr + "/default", "expected \"allow\" or \"deny\", got " + quote_name(d));
        r.ask_default_allow = d == "allow";
        if (r.ask_default_allow && !r.strings.empty())
          fail(ptr + "/default",
               "an \"allow\" default is unsafe for a rule that matched on a pointer argument");
      }
    } else if (v.contains("timeout") || v.contains("default")) {
      fail(ptr + (v.contains("timeout") ? "/timeout" : "/default"),
           "only \"ask\" rules take a timeout and default");
    }
    if (v.contains("log")) {
      const std::string l = get_string(v["log"], ptr + "/log");
      if (l == "none")
        r.log = LogLevel::None;
      else if (l == "info")
        r.log = LogLevel::Info;
      else if (l == "warn")
        r.log = LogLevel::Warn;
      else
        fail(ptr + "/log", "unknown log level " + quote_name(l) + " (expected none, info or warn)");
    }
    return r;
  }

  // An allow rule (or an ask rule that allows by default) reached only because an earlier rule's string
  // condition did not match would answer CONTINUE on the strength of user memory the caller can still
  // change. Refuse such an order.
  static void check_allow_after_string_rules(const std::vector<Rule>& rules) {
    for (size_t j = 0; j < rules.size(); ++j) {
      const bool allows = rules[j].action == RuleAction::Allow ||
                          (rules[j].action == RuleAction::Ask && rules[j].ask_default_allow);
      if (!allows) continue;
      const std::string field = rules[j].action == RuleAction::Allow ? "/action" : "/default";
      for (size_t i = 0; i < j; ++i) {
        if (rules[i].strings.empty()) continue;
        for (const std::string& name : rules[j].syscalls) {
          if (std::find(rules[i].syscalls.begin(), rules[i].syscalls.end(), name) == rules[i].syscalls.end())
            continue;
          fail(rules[j].json_pointer + field, "allowing " + name + " after rule " +
                                                  quote_name(rules[i].name) +
                                                  " matched on a pointer argument: the decision would depend "
                                                  "on user memory; use \"emulate\"");
        }
      }
    }
  }

  const PolicyParseOptions& options_;
  const bool strict_;
  FilterAction default_action_ = FilterAction::Errno;
};

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string PolicyError::to_string() const {
  std::string s = file;
  if (!json_pointer.empty()) s += ": " + json_pointer;
  return s + ": " + message;
}

std::expected<PolicyPtr, PolicyError> parse_policy_json(const nlohmann::json& doc, const std::string& file,
                                                        const PolicyParseOptions& options) {
  try {
    Parser parser(options);
    auto policy = std::make_shared<Policy>(parser.parse(doc));
    policy->source_path = file;
    policy->name = base_name(file);
    return policy;
  } catch (const ParseFailure& f) {
    return std::unexpected(PolicyError{file, f.pointer, f.message});
  } catch (const nlohmann::json::exception& e) {  // a value the checks above let through; never escapes
    return std::unexpected(PolicyError{file, "", e.what()});
  }
}

std::expected<PolicyPtr, PolicyError> parse_policy_text(std::string_view text, const std::string& file,
                                                        const PolicyParseOptions& options) {
  auto doc = parse_json_input(text);
  if (!doc) {
    const JsonInputError& e = doc.error();
    if (!e.byte) return std::unexpected(PolicyError{file, e.pointer, e.message});
    // Turn the byte offset into line:column, which is what editors jump to.
    size_t line = 1, col = 1;
    for (size_t i = 0; i + 1 < *e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return std::unexpected(PolicyError{file, e.pointer,
                                       "invalid JSON at line " + std::to_string(line) + ", column " +
                                           std::to_string(col) + ": " + e.message});
  }
  return parse_policy_json(*doc, file, options);
}

std::expected<PolicyPtr, PolicyError> load_policy_file(const std::string& path,
                                                       const PolicyParseOptions& options) {
  auto text = read_file(path);
  if (!text) return std::unexpected(PolicyError{path, "", std::string("cannot open: ") + std::strerror(text.error())});
  return parse_policy_text(*text, path, options);
}

std::string_view to_string(FilterAction action) {
  switch (action) {
    case FilterAction::Allow:
      return "SCMP_ACT_ALLOW";
    case FilterAction::Errno:
      return "SCMP_ACT_ERRNO";
    case FilterAction::KillThread:
      return "SCMP_ACT_KILL_THREAD";
    case FilterAction::KillProcess:
      return "SCMP_ACT_KILL_PROCESS";
    case FilterAction::Trap:
      return "SCMP_ACT_TRAP";
    case FilterAction::Log:
      return "SCMP_ACT_LOG";
    case FilterAction::Trace:
      return "SCMP_ACT_TRACE";
    case FilterAction::Notify:
      return "SCMP_ACT_NOTIFY";
  }
  return "?";
}

std::string_view to_string(RuleAction action) {
  switch (action) {
    case RuleAction::Allow:
      return "allow";
    case RuleAction::Deny:
      return "deny";
    case RuleAction::Emulate:
      return "emulate";
    case RuleAction::Ask:
      return "ask";
  }
  return "?";
}

}  // namespace tollgate
