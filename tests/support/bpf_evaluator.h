// Test helpers around the seccomp cBPF evaluator (core/seccomp_bpf_evaluator.h): building seccomp_data
// and exporting a libseccomp context, so unit tests can check what a filter means without a kernel.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <expected>
#include <initializer_list>
#include <string>
#include <vector>

#include "profile/seccomp_bpf_evaluator.h"

namespace tollgate::testing {

using tollgate::evaluate_seccomp_bpf;

// Convenience: build seccomp_data for (arch, nr, args...). instruction_pointer is 0; missing args
// are 0. Throws std::invalid_argument for more than 6 args.
seccomp_data make_seccomp_data(uint32_t arch, int nr, std::initializer_list<uint64_t> args = {});

// Exports a libseccomp filter context (a scmp_filter_ctx) to BPF instructions via
// seccomp_export_bpf() into a memfd, read back. Error string on failure.
std::expected<std::vector<sock_filter>, std::string> export_libseccomp_bpf(void* scmp_filter_ctx);

}  // namespace tollgate::testing
