#include "tests/support/bpf_evaluator.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <stdexcept>

namespace tollgate::testing {

seccomp_data make_seccomp_data(uint32_t arch, int nr, std::initializer_list<uint64_t> args) {
  seccomp_data d{};
  if (args.size() > std::size(d.args)) {
    throw std::invalid_argument("make_seccomp_data: at most 6 syscall arguments");
  }
  d.nr = nr;
  d.arch = arch;
  d.instruction_pointer = 0;
  size_t i = 0;
  for (uint64_t v : args) d.args[i++] = v;
  return d;
}

std::expected<std::vector<sock_filter>, std::string> export_libseccomp_bpf(void* scmp_filter_ctx) {
  if (scmp_filter_ctx == nullptr) return std::unexpected(std::string("export_libseccomp_bpf: null filter context"));

  const int fd = memfd_create("tollgate-bpf-export", MFD_CLOEXEC);
  if (fd < 0) return std::unexpected("memfd_create failed: " + std::string(std::strerror(errno)));

  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};

  if (const int rc = seccomp_export_bpf(static_cast<::scmp_filter_ctx>(scmp_filter_ctx), fd); rc < 0) {
    return std::unexpected("seccomp_export_bpf failed: " + std::string(std::strerror(-rc)));
  }

  std::vector<unsigned char> bytes;
  unsigned char buf[4096];
  off_t offset = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected("reading exported BPF failed: " + std::string(std::strerror(errno)));
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), buf, buf + n);
    offset += n;
  }

  if (bytes.empty()) return std::unexpected(std::string("seccomp_export_bpf produced no instructions"));
  if (bytes.size() % sizeof(sock_filter) != 0) {
    return std::unexpected("exported BPF is " + std::to_string(bytes.size()) +
                           " bytes, not a multiple of sizeof(sock_filter)");
  }
  std::vector<sock_filter> prog(bytes.size() / sizeof(sock_filter));
  std::memcpy(prog.data(), bytes.data(), bytes.size());
  return prog;
}

}  // namespace tollgate::testing
