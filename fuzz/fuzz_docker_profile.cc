// A Docker/moby or OCI seccomp profile, read as `--policy-flavor docker` and the OCI path read it: lenient
// about unknown keys and names, and just as unable to crash.
#include "fuzz/policy_fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tollgate::parse_policy_input(data, size, tollgate::PolicyFlavor::DockerProfile);
  return 0;
}
