// A tollgate policy file (docs/policy.md): the strict flavour, with rules. Any bytes give a policy or an
// error that names the file; never a crash or an exception.
#include "fuzz/policy_fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tollgate::parse_policy_input(data, size, tollgate::PolicyFlavor::Tollgate);
  return 0;
}
