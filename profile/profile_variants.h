// Filters derived from a profile for the diagnostic modes. Explain and audit install P with every denying
// action turned into NOTIFY, so that exactly the calls P would deny, kill or trap reach the supervisor and
// everything P allows stays in the kernel (that is what keeps audit's overhead near zero). Learn sends
// every call to the supervisor.
#pragma once

#include "tollgate/policy.h"

namespace tollgate {

// True for the actions that stop a call: ERRNO, KILL_THREAD, KILL_PROCESS, TRAP, TRACE.
bool is_denying(FilterAction action);

// P with denying entries and a denying defaultAction replaced by NOTIFY; ALLOW, LOG and NOTIFY unchanged.
FilterLayer notify_instead_of_denying(const FilterLayer& profile);

// Every syscall of the native architecture goes to the supervisor.
FilterLayer notify_everything();

}  // namespace tollgate
