#!/usr/bin/env zsh
# The generated zsh completion, exercised the way a user does: an interactive zsh on a pseudo-terminal
# (zsh/zpty) with compinit and the generated _tollgate on fpath gets "tollgate r<TAB>" typed into its line
# editor. Completion only runs inside ZLE, so there is no non-interactive entry point to call; to read what
# it offered, compadd is wrapped to also write each batch of matches (compadd -O: the candidates that fit
# the word, as they would be added) to a file. After each <TAB> the test types a command whose output marks
# that the line editor has processed everything before it, and waits for that output.
# Usage: zsh -f zsh_completion_test.zsh COMPLETION_SCRIPT (the generated _tollgate)
emulate -R zsh
setopt err_exit no_unset pipe_fail
completion=${1:?the generated _tollgate}
[[ ${completion:t} == _tollgate ]] || { print -u2 "FAIL: $completion: compinit only loads a file named _tollgate"; exit 1; }
zmodload zsh/zpty

work=$(mktemp -d /tmp/tollgate-zsh.XXXXXX)
trap 'zpty -d shell 2>/dev/null; rm -rf $work' EXIT
# Only the completion under test on fpath besides zsh's own functions.
cp $completion $work/_tollgate
offered=$work/offered

# -f: no user or system startup files; -i: interactive, so ZLE runs. A wide terminal with no "list all N
# possibilities?" question (LISTMAX), a plain prompt and no dump file beside the functions (compinit -D).
zpty shell "TERM=xterm COLUMNS=200 LINES=100 zsh -f -i"
# settle: types a command and waits for its output, so everything typed before it has been handled
# and the next keys do not arrive as typeahead (see below). The arithmetic makes the awaited output differ from the echo of the typed command.
settled=0
settle() {
  local out
  (( ++settled ))
  zpty -w shell "print settled-\$(( $settled * 1 ))"
  zpty -r shell out "*settled-$settled*"
}
zpty -w shell "PS1='%% '; LISTMAX=100000; fpath=(${(q)work} \$fpath); autoload -Uz compinit; compinit -u -D"
# compadd -O cannot be combined with -A/-D/-O, so those calls (which only filter arrays) pass through.
zpty -w shell 'compadd() { local -a got; if (( ! ${@[(I)-[ADO]]} )); then builtin compadd -O got "$@"; print -rl -- $got >>| '${(q)offered}'; fi; builtin compadd "$@"; }'
# <TAB> completes and then shows a numbered message, the sign that this completion has finished. Keys
# typed while a completion may still be pending are not safe: zsh skips or flushes work when it sees
# typeahead, so the test types the next keys only after this message.
zpty -w shell 'tab-then-say() { zle expand-or-complete; zle -M "tab-done-$(( ++tabs ))"; }; tabs=0; zle -N tab-then-say; bindkey "^I" tab-then-say'
settle

failed=0
tabs=0
# expect WORD LINE: typing LINE then <TAB> offers WORD among its matches.
expect() {
  local word=$1 line=$2
  local out
  : >| $offered
  zpty -n -w shell "$line"$'\t'
  zpty -r shell out "*tab-done-$(( ++tabs ))*"
  # ^U empties the line for the next one.
  zpty -n -w shell $'\x15'
  settle
  if ! grep -qx -- "$word" $offered; then
    print -u2 "FAIL: '$line<TAB>' did not offer $word; offered: $(sort -u $offered | tr '\n' ' ')"
    failed=1
  fi
}
expect run 'tollgate r'
expect --profile 'tollgate run --pro'
expect supervise 'tollgate su'
expect --policy-dir 'tollgate supervise --policy-d'
expect pending 'tollgate ctl pe'
(( failed == 0 )) && print "ok: zsh completion"
exit $failed
