#!/usr/bin/env bash
# Every subcommand that `tollgate --help` lists has a page, every option its --help lists is in that page,
# tollgate-shim(1) lists the runtime.json keys docs/containers.md documents, tollgate-policy(5) has every
# section of docs/policy.md, and the pages are well-formed roff (when groff is here to check).
# Usage: man_pages_test.sh TOLLGATE_BINARY MAN_DIR SOURCE_DIR (MAN_DIR: the build's man/, with the *.gz pages).
set -euo pipefail
tollgate=${1:?tollgate binary}
man_dir=${2:?directory of the generated pages}
source_dir=${3:?the source tree, for docs/}
failed=0
# The roff of PAGE (e.g. tollgate-run.1); status 1 when the build did not generate it (callers set failed:
# this runs in a command substitution).
roff_of() {
  [ -f "$man_dir/$1.gz" ] || { echo "FAIL: no man page $1 in $man_dir" >&2; return 1; }
  gzip -dc "$man_dir/$1.gz"
}
check_roff() {  # check_roff PAGE ROFF
  if command -v groff >/dev/null; then
    warnings=$(groff -man -Tutf8 -ww -z <<<"$2" 2>&1)
    [ -z "$warnings" ] || { echo "FAIL: $1: groff: $warnings" >&2; failed=1; }
  fi
}
check_page() {  # check_page PAGE HELP_ARGS...
  local page=$1
  shift
  local roff options
  roff=$(roff_of "$page.1") || { failed=1; return 0; }
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
  check_roff "$page" "$roff"
}
# The names under "Subcommands:" in `tollgate ARGS... --help`.
subcommands_of() {
  "$tollgate" "$@" --help | sed -n '/^Subcommands:/,$p' | grep -oE '^  [a-z][a-z-]*' | tr -d ' '
}
check_page tollgate
subcommands=$(subcommands_of)
[ -n "$subcommands" ] || { echo "FAIL: no subcommands in tollgate --help" >&2; failed=1; }
for sub in $subcommands; do check_page "tollgate-$sub" "$sub"; done
for ctl in $(subcommands_of ctl); do check_page tollgate-ctl ctl "$ctl"; done

# The shim takes runc's command line, so it has no --help of its own: its page lists the runtime.json keys
# (from the table the shim parses with), which must be the ones docs/containers.md documents.
if shim=$(roff_of tollgate-shim.1); then
  grep -q '^\.TH TOLLGATE\\-SHIM 1' <<<"$shim" || { echo "FAIL: tollgate-shim(1) header" >&2; failed=1; }
  keys=$(sed -n '/^## Configuration/,/^## /p' "$source_dir/docs/containers.md" | grep -oE '^\| `[A-Za-z]+`' | tr -d '|` ')
  [ -n "$keys" ] || { echo "FAIL: no runtime.json keys found in docs/containers.md" >&2; failed=1; }
  for key in $keys; do
    grep -qF "\fB$key\fR" <<<"$shim" || { echo "FAIL: tollgate-shim(1) lacks runtime.json key $key" >&2; failed=1; }
  done
  modes=$(sed -n '/^| mode | status |/,/^$/p' "$source_dir/docs/containers.md" | grep -oE '^\| `[a-z-]+`' | tr -d '|` ')
  [ -n "$modes" ] || { echo "FAIL: no modes found in docs/containers.md" >&2; failed=1; }
  for mode in $modes; do
    grep -qF "\fB${mode//-/\\-}\fR" <<<"$shim" || { echo "FAIL: tollgate-shim(1) lacks mode $mode" >&2; failed=1; }
  done
  check_roff tollgate-shim "$shim"
else
  failed=1
fi

# tollgate-policy(5) is docs/policy.md: each of its sections is one of the page's.
if policy=$(roff_of tollgate-policy.5); then
  grep -q '^\.TH TOLLGATE\\-POLICY 5' <<<"$policy" || { echo "FAIL: tollgate-policy(5) header" >&2; failed=1; }
  while IFS= read -r heading; do
    # A heading's own words, as roff writes them (`code` turns bold, - becomes \-).
    words=$(sed -E 's/^#+ //; s/`//g' <<<"$heading" | cut -d' ' -f1)
    grep -qE "^\.S[SH] .*${words//-/\\\\-}" <<<"$policy" ||
      { echo "FAIL: tollgate-policy(5) lacks the section \"$heading\" of docs/policy.md" >&2; failed=1; }
  done < <(grep -E '^##+ ' "$source_dir/docs/policy.md")
  check_roff tollgate-policy "$policy"
else
  failed=1
fi
[ "$failed" = 0 ] && echo "ok: every subcommand has a page with every option, and the shim and policy pages"
exit "$failed"
