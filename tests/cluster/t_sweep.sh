# A shortened tradeoff sweep, end to end on real clusters: two designs
# (primary-replica and multi-master-async), one trial, the tradeoff
# scenario's two faults on a shorter schedule. It checks that each run was
# built as its design and got the same faults, that summary.json has one
# entry per design, keyed by its name, with every field of a run's
# summary, that the report, figure and text table were written, and that
# the crash costs the single primary far more writes than the masters.
# Bad names get a clear error (exit 2) before any cluster starts.
. "$(dirname "$0")/lib.sh"
DIR=$(mktemp -d /tmp/mmlab-test.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
SWEEP=$top/experiments/sweep

# Bad input first: nothing runs.
set +e
"$SWEEP" no-such-sweep 2>"$DIR/err"; r1=$?
"$SWEEP" tradeoff --only primary-replica,no-such-design --out "$DIR/x" 2>>"$DIR/err"; r2=$?
"$top/experiments/run" tradeoff --design no-such-design --out "$DIR/y" 2>>"$DIR/err"; r3=$?
"$top/experiments/run" tradeoff --masters two --out "$DIR/z" 2>>"$DIR/err"; r4=$?
set -e
[ "$r1 $r2 $r3 $r4" = "2 2 2 2" ] || fail "bad names gave exit $r1 $r2 $r3 $r4, not 2 2 2 2: $(cat "$DIR/err")"
grep -q "no sweep 'no-such-sweep'" "$DIR/err" && grep -q "has no variant 'no-such-design'" "$DIR/err" &&
    grep -q "no design 'no-such-design' (see experiments/designs/: multi-master-async" "$DIR/err" ||
    fail "unclear errors: $(cat "$DIR/err")"
[ ! -e "$DIR/x/plan.tsv" ] || fail "a sweep with a bad --only wrote a plan"
say "bad sweep, variant and design names: exit 2 with a clear error"

sed -e 's/^duration=.*/duration=9/' \
    -e 's/^faults=.*/faults=("2 5 kill writer1" "6 8 split writer1,r1")/' \
    "$top/experiments/scenarios/tradeoff.scn" >"$DIR/short.scn"
cat >"$DIR/short.sweep" <<EOF
description="Two designs, shortened."
scenario=$DIR/short.scn
figure=tradeoff
variants=(
    "primary-replica    |   |   | --design primary-replica"
    "multi-master-async |   |   | --design multi-master-async"
)
expect=(
    "primary-replica windows.1.write <= 0.9"
    "multi-master-async windows.1.write > primary-replica windows.1.write"
)
EOF
S=$DIR/sweep
"$SWEEP" "$DIR/short.sweep" --trials 1 --seed 4 --out "$S" --quiet ||
    fail "the sweep missed its expectations (exit $?): $(cat "$S/table.txt" 2>/dev/null)"
sed 's/^/  /' "$S/table.txt"

# Each run was built as its design, and got the same two faults.
grep -q '^role = primary' "$S/primary-replica-t1/cluster.ini" &&
    ! grep -q '^role = standby' "$S/primary-replica-t1/cluster.ini" ||
    fail "primary-replica was not one primary without a standby"
[ "$(grep -c '^role = master' "$S/multi-master-async-t1/cluster.ini")" = 2 ] ||
    fail "multi-master-async did not have two masters"
for d in primary-replica multi-master-async; do
    grep -q '^\[coordinator\]' "$S/$d-t1/cluster.ini" || fail "$d ran without the coordinator"
    grep -q -- '--design '"$d" "$S/$d-t1/command" || fail "$d's command does not name its design"
done
[ "$(jq -r '[.windows[].desc] | join("; ")' "$S/primary-replica-t1/summary.json")" = \
    "p1 crashed (kill -9); p1,r1 cut from r2" ] || fail "primary-replica's faults: $(jq -c '[.windows[].desc]' "$S/primary-replica-t1/summary.json")"
[ "$(jq -r '[.windows[].desc] | join("; ")' "$S/multi-master-async-t1/summary.json")" = \
    "m1 crashed (kill -9); m1,r1 cut from m2,r2" ] || fail "multi-master-async's faults"
say "each run built as its design, with the same faults on the design's writer1"

# summary.json: one entry per design, with every field of a run's summary.
sum=$S/summary.json
[ "$(jq -r '.designs | keys_unsorted | join(",")' "$sum")" = "primary-replica,multi-master-async" ] ||
    fail "summary.json's designs: $(jq -c '.designs | keys' "$sum")"
for d in primary-replica multi-master-async; do
    missing=$(jq -r --slurpfile run "$S/$d-t1/summary.json" --arg d "$d" \
        '($run[0] | keys) - (.designs[$d] | keys) | join(" ")' "$sum")
    [ -z "$missing" ] || fail "the $d entry lacks the run's fields: $missing"
done
a_pr=$(jq -r '.designs["primary-replica"].windows[0].write' "$sum")
a_mm=$(jq -r '.designs["multi-master-async"].windows[0].write' "$sum")
say "writes available during the crash: primary-replica $a_pr, multi-master-async $a_mm"
[ "$(jq -r .verdict "$sum")" = pass ] || fail "the sweep's verdict is not pass"

# The report, its figure and the runs' own reports.
grep -q '^| \*\*primary-replica\*\* |' "$S/report.md" && grep -q '^| \*\*multi-master-async\*\* |' "$S/report.md" ||
    fail "report.md lacks a design's row"
[ "$(head -c 4 "$S/figure.png" | tail -c 3)" = PNG ] || fail "no trade-off figure"
for d in primary-replica multi-master-async; do
    [ -f "$S/$d-t1/report.html" ] || fail "no report for the $d run"
    grep -q "^$d " "$S/table.txt" || fail "table.txt has no line for $d"
done
say "report.md, report.html, figure.png, table.txt and each run's report written"
