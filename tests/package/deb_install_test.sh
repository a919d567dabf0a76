#!/usr/bin/env bash
# Installs the .deb from scripts/package into an empty root with `dpkg --root`, then runs the README's quick
# start from the installed paths inside that root (a chroot holding only the package, a static busybox and
# the libraries the binary links), checks the /etc override and the error of a binary with no policies, purges
# the package and checks that nothing of it is left. Offline, and the host's /usr and /etc are never touched.
# Usage: deb_install_test.sh DIR_WITH_THE_DEB. Exit 77 (skipped) when no package was built.
set -euo pipefail
deb=$(ls "${1:?directory of the .deb}"/tollgate_*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
  echo "no tollgate_*.deb in $1: run scripts/package first" >&2
  exit 77
fi
[ "$(id -u)" = 0 ] || { echo "needs root (chroot, mount)" >&2; exit 77; }

root=$(mktemp -d /tmp/tollgate-deb-root.XXXXXX)
trap 'rm -rf "$root" "$root.out" "$root.err"' EXIT
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
  /usr/share/man/man1/tollgate-run.1.gz /usr/share/man/man5/tollgate-policy.5.gz \
  /usr/share/bash-completion/completions/tollgate /usr/share/zsh/vendor-completions/_tollgate; do
  grep -qx "$path" <<<"$installed" || fail "$path is not in the package"
done
grep -qx /etc/tollgate/policies/README "$root/var/lib/dpkg/info/tollgate.conffiles" || fail "no conffile"

# The chroot's programs: a static busybox for sh and mount, and the libraries tollgate links, at their paths.
mkdir -p "$root/bin" "$root/proc" "$root/mnt" "$root/tmp" "$root/dev"
cp /bin/busybox "$root/bin/busybox"
for tool in sh mount echo; do ln -s busybox "$root/bin/$tool"; done
for lib in $(ldd "$root/usr/bin/tollgate" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
copied_libs=$(ldd "$root/usr/bin/tollgate" | grep -o '/[^ ]*')

# In a private mount namespace, so /proc and /dev inside the root vanish with it.
in_root() {
  unshare --mount --fork -- sh -c 'mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" && exec chroot "$0" "$@"' \
    "$root" "$@"
}

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

# Purged: nothing of the package is left (only what this test put there itself).
dpkg --root="$root" --force-script-chrootless --purge tollgate >/dev/null
rm -rf "$root/bin" "$root/proc" "$root/mnt" "$root/tmp" "$root/dev"
for lib in $copied_libs; do rm -f "$root$lib"; done
left=$(find "$root" -mindepth 1 -not -path "$root/var/lib/dpkg*" \( -type f -o -type l \) -print)
[ -z "$left" ] || fail "left after purge: $left"
dpkg --root="$root" -l tollgate 2>/dev/null | grep -q '^ii' && fail "still installed"
echo "ok: installed, quick start EPERM, /etc override, missing policies reported, purged clean"
