#include "tollgate/decision.h"

namespace tollgate {

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::Continue:
      return "allow";
    case Verdict::Errno:
      return "deny";
    case Verdict::Value:
      return "value";
    case Verdict::Emulate:
      return "emulate";
    case Verdict::Ask:
      return "ask";
    case Verdict::Kill:
      return "kill";
    case Verdict::Trap:
      return "trap";
  }
  return "?";
}

}  // namespace tollgate
