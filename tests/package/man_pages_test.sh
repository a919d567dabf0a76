#!/usr/bin/env bash
# Every option that `tollgate SUBCOMMAND --help` lists appears in that subcommand's man page, and the pages
# are well-formed roff (when groff is here to check).
# Usage: man_pages_test.sh TOLLGATE_BINARY MAN_DIR (the build's man/, with the generated *.gz pages).
set -euo pipefail
tollgate=${1:?tollgate binary}
man_dir=${2:?directory of the generated pages}
failed=0
check_page() {  # check_page PAGE HELP_ARGS...
  local page=$1
  shift
  local roff options
  roff=$(gzip -dc "$man_dir/$page.1.gz")
  # Options are the words starting with - at the start of --help's lines (e.g. "  -q,--quiet   ...").
  options=$("$tollgate" "$@" --help | grep -oE '^ +-[^ ]+' | tr ',' '\n' | tr -d ' ')
  [ -n "$options" ] || { echo "FAIL: no options found in $* --help" >&2; failed=1; }
  for option in $options; do
    # roff writes - as \- in option names.
    if ! grep -qF -- "${option//-/\\-}" <<<"$roff"; then
      echo "FAIL: $page: $option (from: tollgate $* --help) is not in the man page" >&2
      failed=1
    fi
  done
  if command -v groff >/dev/null; then
    warnings=$(groff -man -Tutf8 -ww -z <<<"$roff" 2>&1)
    [ -z "$warnings" ] || { echo "FAIL: $page: groff: $warnings" >&2; failed=1; }
  fi
}
check_page tollgate
for sub in run supervise ctl lint learn; do check_page "tollgate-$sub" "$sub"; done
for ctl in pending allow deny watch stats targets reload; do check_page tollgate-ctl ctl "$ctl"; done
gzip -dc "$man_dir/tollgate-policy.5.gz" | grep -q '^\.TH TOLLGATE\\-POLICY 5' || { echo "FAIL: tollgate-policy(5)" >&2; failed=1; }
[ "$failed" = 0 ] && echo "ok: every option of every subcommand is in its man page"
exit "$failed"
