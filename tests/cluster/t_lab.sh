# The lab machinery without a cluster: lab 4's check graded against
# planted run summaries. experiments/lab --prepare writes the variant's
# sweep file and checks (variant 3 must slow r1 by 200 ms); planted
# summaries in which round_robin breaks both session guarantees and the
# primary keeps them pass every check, one fixed-form line each, and
# lab.json records it; a primary with 3 read-your-writes violations fails
# exactly that check, with what was expected, and exit status 1; the
# index lists both lab directories with their verdicts. Bad lab numbers
# and variants are refused (exit 2) before anything is written.
. "$(dirname "$0")/lib.sh"
DIR=$(mktemp -d /tmp/mmlab-test.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
LAB=$top/experiments/lab

set +e
"$LAB" 99 --out "$DIR/x" 2>"$DIR/err"; r1=$?
"$LAB" 4 --variant 4 --out "$DIR/y" 2>>"$DIR/err"; r2=$?
"$LAB" 4 --variant two --out "$DIR/z" 2>>"$DIR/err"; r3=$?
set -e
[ "$r1 $r2 $r3" = "2 2 2" ] || fail "bad lab or variant gave exit $r1 $r2 $r3, not 2 2 2"
grep -q "no lab 'lab99' (experiments/lab --list shows them)" "$DIR/err" &&
    grep -q "lab4 has variants 1 to 3, not 4" "$DIR/err" ||
    fail "unclear errors: $(cat "$DIR/err")"
[ ! -e "$DIR/x" ] && [ ! -e "$DIR/y" ] && [ ! -e "$DIR/z" ] || fail "a refused lab wrote a directory"
say "a bad lab number or variant: exit 2 with a clear error, nothing written"

# plant DIR RR_RYW RR_MONO PRIMARY_RYW: a lab-4 directory as if it had run.
plant() {
    local d=$1
    "$LAB" 4 --variant 3 --prepare --quiet --out "$d"
    cp "$d/lab4.sweep" "$d/definition.sweep"
    echo "experiments/sweep lab4 --seed 1 --trials 1" >"$d/command"
    printf 'variant\tx\tseries\ttrial\tseed\trun\toptions\n' >"$d/plan.tsv"
    for v in round_robin primary; do
        printf '%s\t%s\t200 ms\t1\t1\t%s-t1\t--cluster coord.read_route=%s\n' "$v" "$v" "$v" "$v" >>"$d/plan.tsv"
        mkdir -p "$d/$v-t1"
    done
    summary() {
        jq -n --argjson ryw "$1" --argjson mono "$2" --argjson stale "$3" '
            {verdict: "pass", scenario: "lab4", seed: 1, divergent_keys: 0,
             ops: {read: {ok: 1000}, write: {ok: 1000}, delete: {ok: 0}},
             ryw_violations: $ryw, monotonic_read_violations: $mono,
             stale_reads: {count: $stale}, lost_writes: {total: 0}}'
    }
    summary "$2" "$3" 500 >"$d/round_robin-t1/summary.json"
    summary "$4" 0 0 >"$d/primary-t1/summary.json"
}

mkdir "$DIR/reports"
plant "$DIR/reports/good" 120 7 0
grep -q "slow m1 r1 200" "$DIR/reports/good/lab4.sweep" || fail "variant 3 does not slow r1 by 200 ms: $(cat "$DIR/reports/good/lab4.sweep")"
"$LAB" --grade "$DIR/reports/good" >"$DIR/good.out" || fail "the planted good lab failed: $(cat "$DIR/good.out")"
diff - "$DIR/good.out" <<'EOF' || fail "unexpected check lines (above)"
PASS lab4 round_robin breaks read-your-writes 120 > 0
PASS lab4 round_robin breaks monotonic reads 7 > 0
PASS lab4 round_robin serves stale reads 500 > 0
PASS lab4 reads from the primary keep read-your-writes 0 <= 0
PASS lab4 reads from the primary keep monotonic reads 0 <= 0
lab4: 5 passed, 0 failed
EOF
[ "$(jq -c '[.lab, .variant, .passed, .failed]' "$DIR/reports/good/lab.json")" = '["lab4",3,5,0]' ] ||
    fail "lab.json: $(cat "$DIR/reports/good/lab.json")"
say "planted summaries that show the lesson: 5 PASS lines, lab.json 5 passed"

plant "$DIR/reports/bad" 120 7 3
set +e
"$LAB" --grade "$DIR/reports/bad" >"$DIR/bad.out"; rc=$?
set -e
[ $rc = 1 ] || fail "a failed check gave exit $rc, not 1"
grep -qx "FAIL lab4 reads from the primary keep read-your-writes 3 <= 0 (expected: primary ryw_violations <= 0)" "$DIR/bad.out" &&
    grep -qx "lab4: 4 passed, 1 failed" "$DIR/bad.out" ||
    fail "the failed check is not reported as expected: $(cat "$DIR/bad.out")"
say "a primary with read-your-writes violations: that one check FAILs, exit 1"

"$top/experiments/index" "$DIR/reports" >/dev/null || fail "experiments/index failed"
grep -q '^| \[good\](good/report.html) | \*\*lab4\*\* .* | 3 | 1 | ✔ PASS | 5 of 5 |' "$DIR/reports/index.md" &&
    grep -q '^| \[bad\](bad/report.html) | \*\*lab4\*\* .* | ✘ FAIL | 4 of 5 | reads from the primary keep read-your-writes |' "$DIR/reports/index.md" ||
    fail "the index does not list the lab checks: $(grep -A6 'Lab checks' "$DIR/reports/index.md")"
say "the index lists both lab checks with their verdicts and the failed check"
