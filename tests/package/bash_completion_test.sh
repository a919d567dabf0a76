#!/usr/bin/env bash
# The generated bash completion, loaded into this shell and called the way bash calls it on <TAB>
# (COMP_WORDS/COMP_CWORD set, the function named by `complete -p tollgate`), completes what --help offers.
# Usage: bash_completion_test.sh COMPLETION_SCRIPT
set -euo pipefail
# shellcheck disable=SC1090
source "${1:?the generated completion script}"
function_name=$(complete -p tollgate | grep -oE -- '-F [^ ]+' | cut -d' ' -f2)
[ -n "$function_name" ] || { echo "FAIL: no completion function for tollgate" >&2; exit 1; }
failed=0
expect() {  # expect "EXPECTED REPLIES" WORD... (the last word is the one being completed)
  local expected=$1
  shift
  COMP_WORDS=(tollgate "$@")
  COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
  COMPREPLY=()
  "$function_name"
  if [ "${COMPREPLY[*]}" != "$expected" ]; then
    echo "FAIL: tollgate $*<TAB>: got '${COMPREPLY[*]}', expected '$expected'" >&2
    failed=1
  fi
}
expect run r
expect --profile run --pro
expect "supervise" su
expect "--policy-dir" supervise --policy-d
expect "pending" ctl pe
expect "--errno" ctl deny 3 --er
# An option's value is not a subcommand: "lint" here is the --policy file, so run's options still apply.
expect "--profile" run --policy lint --pro
[ "$failed" = 0 ] && echo "ok: bash completion"
exit "$failed"
