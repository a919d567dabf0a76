#!/usr/bin/env bash
# A busybox container under Debian's runc (or crun) whose mount and clock calls are decided by
# `tollgate supervise`. Usage, as root from the source tree after scripts/build:
#   examples/runc/run.sh [runc|crun]
# Needs runc or crun and busybox-static (scripts/install-deps installs them). See docs/oci.md.
set -euo pipefail
runtime=${1:-runc}
case "$runtime" in runc | crun) ;; *) echo "usage: $0 [runc|crun]" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
tollgate=${TOLLGATE:-$here/../../build/tollgate}
work=$(mktemp -d /tmp/tollgate-example-XXXXXX)
id="tollgate-example-$$"
daemon=""

cleanup() {
  "$runtime" delete -f "$id" >/dev/null 2>&1 || true
  if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# 1. A root filesystem: Debian's static busybox, its applets as symlinks (made inside the new root so that
#    they point at /bin/busybox there).
rootfs="$work/bundle/rootfs"
mkdir -p "$rootfs"/bin "$rootfs"/proc "$rootfs"/dev "$rootfs"/tmp "$rootfs"/mnt
cp /bin/busybox "$rootfs/bin/busybox"
chroot "$rootfs" /bin/busybox --install -s /bin

# 2. The supervisor: policies are looked up by name in --policy-dir; events go to a JSON-lines file.
socket="$work/tollgate.sock"
"$tollgate" supervise --socket "$socket" --policy-dir "$here/policies" --default-policy example --events "$work/events.jsonl" \
  2> >(sed 's/^/  [supervise] /' >&2) &
daemon=$!
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.05; done

# 3. The container: its seccomp profile sends four calls to tollgate (listenerPath); listenerMetadata picks
#    the policy and mode (the io.tollgate.policy annotation would be used if it named none).
cat >"$rootfs/demo.sh" <<'DEMO'
echo "  inside: mount -t tmpfs none /mnt"
mount -t tmpfs none /mnt
echo "  inside: exit status $?"
# Audit mode lets every call run for real: with CAP_SYS_TIME, `date -s` there would set the HOST's clock.
# So the audited run only reads the clock.
if [ -e /audit-mode ]; then
  echo "  inside: date (audit mode: no clock change is attempted, since audit lets calls run)"
  date >/dev/null
else
  echo "  inside: date -s 2001-01-01"
  date -s 2001-01-01 >/dev/null
fi
echo "  inside: exit status $?"
DEMO
write_config() {
  sed -e "s|@SOCKET@|$socket|" -e "s|@METADATA@|$1|" "$here/config.json.in" >"$work/bundle/config.json"
}
run_container() {
  if [ "$runtime" = runc ]; then
    runc run --bundle "$work/bundle" "$id"
  else
    # crun on a host with hybrid cgroups: its own cgroup2 mount in a private mount namespace.
    unshare -m sh -c "umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && \
      exec crun --cgroup-manager=disabled run --bundle '$work/bundle' '$id'"
  fi
  "$runtime" delete -f "$id" >/dev/null 2>&1 || true
}

echo "== $runtime, policy=example, mode=enforce: mount is denied; setting the clock is emulated (pretend: success, the host clock does not move)"
echo "   (the container holds CAP_SYS_TIME, as the time handler requires of its callers)"
write_config 'policy=example\\nmode=enforce'
run_container || true

echo
echo "== $runtime, policy=example, mode=audit: nothing is enforced; every notified call is allowed and reported,"
echo "   and the kernel then decides it (the container lacks CAP_SYS_ADMIN, so its mount still fails)."
touch "$rootfs/audit-mode"
write_config 'policy=example\\nmode=audit'
run_container || true
rm -f "$rootfs/audit-mode"

echo
echo "== events ($work/events.jsonl):"
sed 's/^/  /' "$work/events.jsonl" 2>/dev/null || true
