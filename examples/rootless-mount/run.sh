#!/usr/bin/env bash
# Mounts an ext4 image inside a rootless container, which the kernel alone refuses, with tollgate doing the
# mount on the container's behalf (policies/rootless-mount.json). Run as root from the repository, after
# scripts/build. Leaves nothing behind: the image is deleted, the mount lives only in the container's mount
# namespace, and its loop device detaches itself when that namespace ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
tollgate=build/tollgate
images=/var/lib/tollgate/images   # the directory the policy allows images from
work=$(mktemp -d /tmp/tollgate-example-XXXXXX)
image="$images/example-$$.img"
cleanup() { rm -rf "$work"; rm -f "$image"; }
trap cleanup EXIT

echo "== an ext4 image with a file owned by uid 1000 and one owned by root"
mkdir -p "$images" "$work/content" "$work/mnt"
echo "owned by 1000" >"$work/content/user-file"
chown 1000:1000 "$work/content/user-file"
echo "owned by root" >"$work/content/root-file"
truncate -s 16M "$image"
mkfs.ext4 -q -d "$work/content" "$image"

echo "== without tollgate: unshare -Urm mount -o loop (the kernel refuses ext4 in a user namespace)"
unshare -Urm mount -o loop "$image" "$work/mnt" && echo "unexpectedly mounted" || echo "refused, as expected"

echo "== under tollgate run --rootless: the same mount, done by the supervisor, idmapped, nosuid,nodev,noexec"
"$tollgate" run --rootless --policy policies/rootless-mount.json -- sh -c "
  id
  mount -o loop '$image' '$work/mnt'
  grep ' $work/mnt ' /proc/self/mountinfo
  ls -ln '$work/mnt'
  umount '$work/mnt'
"
echo "== on the host, nothing is mounted there:"
grep " $work/mnt " /proc/self/mountinfo || echo "(no mount)"
cat <<'NOTE'
Owners inside: the container maps only its root (to the invoking user, here root), and the mount is
idmapped with the container's user namespace, so the root-owned file shows as 0 and uid 1000 is unmapped
inside (65534). A container whose user namespace also maps 1000 (a runtime with a subordinate id range)
sees it as 1000; `tollgate run --rootless` itself maps only the invoking user.
NOTE
