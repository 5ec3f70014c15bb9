# Every program a user can start answers --help with its usage and does
# nothing else: each program of build/bin, each script of experiments/
# and tests/cluster/run, run with --help in an empty directory, must exit
# 0, print a usage text on stdout that names it, leave the directory
# empty, create nothing under the repository's reports/ and run/, and
# leave no process behind (each runs in a session of its own, which must
# be empty once it returns). experiments/bench and experiments/demo used
# to start the whole benchmark and demo here. The option lists of
# docs/programs.md are checked against the same --help texts.
. "$(dirname "$0")/lib.sh"
DIR=$(mktemp -d /tmp/mmlab-test.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
mkdir "$DIR/empty"
touch "$DIR/marker"
sleep 1

progs=()
for p in "$MM_BIN"/*; do [ -x "$p" ] && progs+=("$p"); done
for p in "$top"/experiments/*; do [ -f "$p" ] && [ -x "$p" ] && progs+=("$p"); done
progs+=("$top/tests/cluster/run")
[ ${#progs[@]} -ge 25 ] || fail "found only ${#progs[@]} programs and scripts"

checked=0
for p in "${progs[@]}"; do
    name=$(basename "$p")
    # setsid: the program leads a session of its own, whose id is its
    # pid (a background subshell of a script leads no process group, so
    # setsid need not fork), and anything it starts, however detached,
    # stays in that session unless it calls setsid itself.
    set +e
    (cd "$DIR/empty" && exec setsid --wait "$p" --help) >"$DIR/out" 2>"$DIR/err" &
    sid=$!
    wait "$sid"
    rc=$?
    set -e
    [ $rc = 0 ] || fail "$name --help exited $rc: $(head -c 300 "$DIR/err")"
    grep -q -i -- "usage\|$name" "$DIR/out" || fail "$name --help printed no usage on stdout: $(head -c 300 "$DIR/out")"
    [ "$(wc -l <"$DIR/out")" -ge 2 ] || fail "$name --help printed one line only: $(cat "$DIR/out")"
    [ -z "$(ls -A "$DIR/empty")" ] || fail "$name --help created $(ls -A "$DIR/empty")"
    left=$(ps -e -o sid=,pid=,comm= | awk -v s="$sid" '$1 == s { print $2 " " $3 }')
    [ -z "$left" ] || fail "$name --help left processes running: $left"
    made=$(for d in "$top/reports" "$top/run"; do
        [ ! -d "$d" ] || find "$d" -newer "$DIR/marker"; done | head -n 3)
    [ -z "$made" ] || fail "$name --help created $made"
    checked=$((checked + 1))
done
say "$checked programs and scripts answer --help with their usage and do nothing else"

# docs/programs.md: every option a program's --help lists is in its
# section, and every option the section lists is in --help.
doc=$top/docs/programs.md
[ -f "$doc" ] || fail "no docs/programs.md"
opts() { grep -o -E -- '--[a-z][a-z0-9-]+' | grep -v -x -- --help | sort -u; }
for p in "${progs[@]}"; do
    case $p in
    "$MM_BIN"/*) name=$(basename "$p") ;;
    *) name=${p#"$top"/} ;;
    esac
    section=$(awk -v n="$name" '/^## / { on = ($2 == n); next } on' "$doc")
    [ -n "$section" ] || fail "docs/programs.md has no section '## $name'"
    diff <(cd "$DIR/empty" && "$p" --help | opts) <(opts <<<"$section") >"$DIR/diff" ||
        fail "docs/programs.md's $name and its --help list different options (< --help, > docs): $(cat "$DIR/diff")"
done
say "docs/programs.md lists the options of every --help, and no other"
