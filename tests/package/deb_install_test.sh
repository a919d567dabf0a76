#!/usr/bin/env bash
# Installs the .deb from scripts/package into an empty root with `dpkg --root`, then runs the README's quick
# start from the installed paths inside that root (a chroot holding only the package, a static busybox and
# the libraries the binary links), checks the /etc override and the error of a binary with no policies, runs
# `supervise` with the installed unit's ExecStart as a plain process (never systemd) and checks it serves,
# checks /var/lib/tollgate across remove and purge, and that nothing of the package is left. Offline, and
# the host's /usr, /etc and /var are never touched.
# Usage: deb_install_test.sh DIR_WITH_THE_DEB. Exit 77 (skipped) when no package was built.
set -euo pipefail
deb=$(ls "${1:?directory of the .deb}"/tollgate_*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
  echo "no tollgate_*.deb in $1: run scripts/package first" >&2
  exit 77
fi
[ "$(id -u)" = 0 ] || { echo "needs root (chroot, mount)" >&2; exit 77; }

root=$(mktemp -d /tmp/tollgate-deb-root.XXXXXX)
daemon=""
cleanup() {
  # A daemon left by a failed check is stopped by its pid, never by name.
  if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  rm -rf "$root" "$root.out" "$root.err"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# An empty dpkg database: the package's dependencies (libc, libseccomp, libuv, ...) are not installed in it
# as packages, so --force-depends; their files are copied from the host below.
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
dpkg --root="$root" --force-depends --force-script-chrootless -i "$deb" >"$root.out" 2>&1 ||
  fail "dpkg -i: $(cat "$root.out")"
installed=$(dpkg --root="$root" -L tollgate)
for path in /usr/bin/tollgate /usr/libexec/tollgate/tollgate-command-agent /usr/share/tollgate/policies/default.json /etc/tollgate/policies/README \
  /usr/share/doc/tollgate/copyright /usr/share/doc/tollgate/changelog.Debian.gz \
  /usr/share/man/man1/tollgate-run.1.gz /usr/share/man/man1/tollgate-shim.1.gz /usr/share/man/man5/tollgate-policy.5.gz \
  /usr/lib/systemd/system/tollgate.service /var/lib/tollgate \
  /usr/share/bash-completion/completions/tollgate /usr/share/zsh/vendor-completions/_tollgate; do
  grep -qx "$path" <<<"$installed" || fail "$path is not in the package"
done
grep -qx /etc/tollgate/policies/README "$root/var/lib/dpkg/info/tollgate.conffiles" || fail "no conffile"
# The state directory (docs/install.md): the package's, root's, 0755, empty.
[ "$(stat -c '%U:%G %a' "$root/var/lib/tollgate")" = "root:root 755" ] ||
  fail "/var/lib/tollgate: $(stat -c '%U:%G %a' "$root/var/lib/tollgate")"
[ -z "$(ls -A "$root/var/lib/tollgate")" ] || fail "/var/lib/tollgate is not empty"

# The installed man pages, found by name the way man(1) finds them under a MANPATH, and rendered.
for page in tollgate-policy tollgate-shim tollgate-run; do
  MANPATH="$root/usr/share/man" MANWIDTH=80 man -P cat "$page" >"$root.out" 2>"$root.err" ||
    fail "man $page: $(cat "$root.err")"
  grep -q "^TOLLGATE-" "$root.out" || fail "man $page rendered no page: $(head -5 "$root.out")"
done
grep -q 'syscalls' <<<"$(MANPATH="$root/usr/share/man" man -P cat tollgate-policy 2>/dev/null)" ||
  fail "man tollgate-policy does not describe the policy format"

# The chroot's programs: a static busybox for sh and mount, and the libraries tollgate links, at their paths.
mkdir -p "$root/bin" "$root/proc" "$root/mnt" "$root/tmp" "$root/dev" "$root/run"
cp /bin/busybox "$root/bin/busybox"
for tool in sh mount echo env; do ln -s busybox "$root/bin/$tool"; done
for lib in $(ldd "$root/usr/bin/tollgate" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
copied_libs=$(ldd "$root/usr/bin/tollgate" | grep -o '/[^ ]*')

# In a private mount namespace, so /proc and /dev inside the root vanish with it. No fork: the command gets
# unshare's pid (the daemon below is started with "${in_root[@]}" directly, not through a function, which
# bash would run in a subshell of another pid, so that it can be stopped by that pid).
in_root=(unshare --mount -- sh -c 'mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" && exec chroot "$0" "$@"'
  "$root")
in_root() { "${in_root[@]}" "$@"; }

# The README's quick start, from the installed paths.
in_root /usr/bin/tollgate run -- sh -c 'mount -t tmpfs none /mnt; echo rc=$?' >"$root.out" 2>"$root.err" || true
grep -q '^rc=[1-9]' "$root.out" || fail "mount did not fail: $(cat "$root.out")"
grep -q 'EPERM (policy default.json: rule "deny-mount")' "$root.err" || fail "no EPERM decision: $(cat "$root.err")"

version=$(in_root /usr/bin/tollgate --version)
grep -q '^policies: /etc/tollgate/policies, /usr/share/tollgate/policies$' <<<"$version" || fail "policies: $version"
grep -q 'development build' <<<"$version" && fail "an installed package says it is a development build"

# A file of the same name in /etc/tollgate/policies wins over the packaged one.
sed '0,/"errno": "EPERM"/s//"errno": "EROFS"/' "$root/usr/share/tollgate/policies/default.json" \
  >"$root/etc/tollgate/policies/default.json"
in_root /usr/bin/tollgate run -- sh -c 'mount -t tmpfs none /mnt' 2>"$root.err" || true
grep -q 'EROFS (policy default.json: rule "deny-mount")' "$root.err" || fail "/etc override ignored: $(cat "$root.err")"
rm "$root/etc/tollgate/policies/default.json"

# Moved away from any policies: a clear error naming where it looked, never a source or build tree.
mv "$root/usr/share/tollgate/policies" "$root/tmp/policies"
status=0
in_root /usr/bin/tollgate run -- true 2>"$root.err" || status=$?
mv "$root/tmp/policies" "$root/usr/share/tollgate/policies"
[ "$status" = 2 ] || fail "no policies: exit status $status, expected 2"
grep -q 'looked in /etc/tollgate/policies, /usr/share/tollgate/policies' "$root.err" || fail "error: $(cat "$root.err")"

# `supervise` as tollgate.service runs it: the installed unit's ExecStart, word for word, started as a plain
# process (systemd is never booted here). Without tollgate.socket's fds it makes its own sockets in
# /run/tollgate. NOTIFY_SOCKET is a datagram socket this test reads: the daemon's READY=1 is the sign it serves.
unit="$root/usr/lib/systemd/system/tollgate.service"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$(wc -l <<<"$exec_start")" = 1 ] || fail "expected one ExecStart in $unit: $exec_start"
# systemd would expand these; plain word splitting would not, so such a line needs this test taught first.
case "$exec_start" in *[\"\'\$%\\]* | [-@:+!]*) fail "ExecStart uses syntax this test does not parse: $exec_start" ;; esac
read -ra exec_argv <<<"$exec_start"
[ "${exec_argv[0]}" = /usr/bin/tollgate ] && [ "${exec_argv[1]}" = supervise ] || fail "ExecStart: $exec_start"
# The reader binds before the daemon starts (it says "bound"), is then given the daemon's pid, and says
# "ready" on READY=1, or "exited" if the daemon dies first (a pidfd), so a failing start cannot hang the test.
coproc notify {
  exec python3 -c '
import os, select, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
daemon = os.pidfd_open(int(sys.stdin.readline()))
while True:
    if daemon in select.select([s, daemon], [], [])[0]:
        sys.exit(print("exited", flush=True))
    if b"READY=1" in s.recv(4096).split(b"\n"):
        sys.exit(print("ready", flush=True))' "$root/run/notify.sock"
}
notify_pid=$notify_PID
read -r line <&"${notify[0]}" && [ "$line" = bound ] || fail "notify reader: $line"
# systemd starts services with an empty environment; NOTIFY_SOCKET is the one variable it adds here.
"${in_root[@]}" env -i NOTIFY_SOCKET=/run/notify.sock "${exec_argv[@]}" 2>"$root.err" &
daemon=$!
echo "$daemon" >&"${notify[1]}"
read -r line <&"${notify[0]}"
wait "$notify_pid" || true
[ "$line" = ready ] || fail "the daemon never said READY=1 ($line): $(cat "$root.err")"
[ "$(readlink "/proc/$daemon/exe")" = "$root/usr/bin/tollgate" ] || fail "pid $daemon is not the daemon"
# It serves: a handover whose mount it decides, then its counters through the control socket.
in_root /usr/bin/tollgate run --supervisor /run/tollgate/tollgate.sock -- sh -c 'mount -t tmpfs none /mnt; echo rc=$?' \
  >"$root.out" 2>/dev/null || true
grep -q '^rc=[1-9]' "$root.out" || fail "handover: mount did not fail: $(cat "$root.out") $(cat "$root.err")"
in_root /usr/bin/tollgate ctl stats --openmetrics >"$root.out" 2>&1 || fail "ctl stats: $(cat "$root.out")"
grep -q '^tollgate_handovers_total{result="accepted"} 1$' "$root.out" || fail "no handover counted: $(cat "$root.out")"
grep -q '^tollgate_calls_total{syscall="mount",verdict="deny"} 1$' "$root.out" || fail "no mount counted: $(cat "$root.out")"
problems=$(promtool check metrics <"$root.out" 2>&1) || fail "promtool on the installed ctl stats: $problems"
# Stopped by its pid, as systemd's KillSignal=SIGTERM does: it closes every listener and exits 0.
kill -TERM "$daemon"
status=0
wait "$daemon" || status=$?
daemon=""
[ "$status" = 0 ] || fail "supervise exited $status after SIGTERM: $(cat "$root.err")"
rm -f "$root/run/notify.sock"

# Removed, not purged: the daemon's state stays for a reinstall.
echo '{"rules": []}' >"$root/var/lib/tollgate/learned.json"
# (dpkg says /var/lib is not empty, which is this root's dpkg database: kept out of the output.)
dpkg --root="$root" --force-script-chrootless --remove tollgate >"$root.out" 2>&1 || fail "dpkg -r: $(cat "$root.out")"
[ -f "$root/var/lib/tollgate/learned.json" ] || fail "dpkg -r deleted the state in /var/lib/tollgate"

# Purged: the state goes too, and nothing of the package is left (only what this test put there itself).
dpkg --root="$root" --force-script-chrootless --purge tollgate >"$root.out" 2>&1 || fail "dpkg -P: $(cat "$root.out")"
[ ! -e "$root/var/lib/tollgate" ] || fail "/var/lib/tollgate is left after purge: $(ls -A "$root/var/lib/tollgate")"
rm -rf "$root/bin" "$root/proc" "$root/mnt" "$root/tmp" "$root/dev" "$root/run"
for lib in $copied_libs; do rm -f "$root$lib"; done
left=$(find "$root" -mindepth 1 -not -path "$root/var/lib/dpkg*" \( -type f -o -type l \) -print)
[ -z "$left" ] || fail "left after purge: $left"
dpkg --root="$root" -l tollgate 2>/dev/null | grep -q '^ii' && fail "still installed"
echo "ok: installed, man pages, quick start EPERM, /etc override, missing policies reported, supervise as the unit runs it, state kept on remove, purged clean"
