// Filters derived from a profile for the diagnostic modes. Explain and audit install P with every denying
// action turned into NOTIFY, so that exactly the calls P would deny, kill or trap reach the supervisor and
// everything P allows stays in the kernel (that is what keeps audit's overhead near zero). Learn sends
// every call to the supervisor.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "tollgate/policy.h"

namespace tollgate {

// True for the actions that stop a call: ERRNO, KILL_THREAD, KILL_PROCESS, TRAP, TRACE.
bool is_denying(FilterAction action);

// P with denying entries and a denying defaultAction replaced by NOTIFY; ALLOW, LOG and NOTIFY unchanged.
FilterLayer notify_instead_of_denying(const FilterLayer& profile);

// Every syscall of the native architecture goes to the supervisor.
FilterLayer notify_everything();

// Calls a runtime makes itself between installing a container's filter and handing its listener over (runc
// 1.1.5 writes the listener's number to its parent and reads the answer; crun sends it from a helper that
// shares the filter). Notified, they would wait for a listener nobody holds yet, so they keep the profile's
// own action. Newer runc refuses NOTIFY on `write` outright.
const std::set<std::string>& never_notified_by_runtimes();

// The explain/audit variant of an OCI `linux.seccomp` object that runc 1.1.5 and crun 1.8.1 both accept:
// runc refuses a NOTIFY defaultAction, so a denying default stays and every native syscall the profile does
// not name gets an explicit NOTIFY entry; crun refuses errnoRet on NOTIFY, so denying entries become NOTIFY
// without it. ALLOW/LOG entries, arguments, flags and unknown keys are kept. A syscall named only by entries
// with argument conditions is not added, so its calls that match none of them take the default unexplained.
nlohmann::json runtime_notify_variant(const nlohmann::json& oci_seccomp);

// The learn variant of an OCI `linux.seccomp` object (null: the container has none) that runc 1.1.5 and
// crun 1.8.1 both accept: defaultAction ALLOW (runc refuses a NOTIFY default) and one NOTIFY entry naming
// every native syscall except never_notified_by_runtimes(), which run unrecorded. The engine's
// `architectures`, `archMap` and `flags` are kept (a container's 32-bit calls still pass the arch check); its
// entries and errno defaults go: nothing is denied while learning.
nlohmann::json runtime_learn_variant(const nlohmann::json* oci_seccomp);

}  // namespace tollgate
