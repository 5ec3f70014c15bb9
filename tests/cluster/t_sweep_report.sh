# A sweep's comparison, on planted runs without a cluster: the medians and
# spreads of summary.json over planted summary.json files (an even and an
# odd number of trials, a run that left no summary, a broken one), the
# derived fields, the expectations and the exit status; what run_facts.awk
# reads in a cluster file and logs; the label column of the trade-off
# figure on planted coordinates (never two labels closer than a label's
# height, whatever the points); the report, its HTML, the text table, and
# the index that shows the sweep's figure first. Bad input gets exit 2.
. "$(dirname "$0")/lib.sh"
DIR=$(mktemp -d /tmp/mmlab-test.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
SREPORT=$top/experiments/sweep-report
S=$DIR/reports/sweep-planted
mkdir -p "$S"

# plant RUN WRITE_IN_FAULTS STALE RYW TPUT [VERDICT]: a run directory with
# a summary.json holding these numbers (and fixed ones around them).
plant() {
    mkdir -p "$S/$1/logs"
    jq -n --argjson a "$2" --argjson st "$3" --argjson ryw "$4" --argjson tp "$5" \
        --arg v "${6:-pass}" '
        {verdict: $v, scenario: "planted", seed: 1,
         availability: {write: 0.9, write_in_faults: $a, longest_write_gap_ms: 100},
         windows: [{id: 1, fault: "kill", desc: "m1 crashed (kill -9)", start_s: 1, stop_s: 2,
                    write: $a, longest_write_gap_ms: 300}],
         lost_writes: {total: 1, missing: 1, stale_final: 0, realtime_reordered: 0},
         consistency: {realtime_inversions: 2},
         stale_reads: {count: $st}, ryw_violations: $ryw, monotonic_read_violations: 0,
         divergent_keys: 0, ops: {read: {ok: 600}, write: {ok: 400}, delete: {ok: 0}},
         throughput: {write_ok_per_s: $tp, ops_ok_per_s: ($tp * 2.5)},
         latency_ms: {p50: 1, p99: 10}, witnesses: {stale_reads: [{t_s: 1, text: "x"}]}}' \
        >"$S/$1/summary.json"
    printf '[cluster]\nack = all\nwrite_service_us = 250\n[node m1]\nrole = master\n[node m2]\nrole = master\n[node r1]\nrole = replica\n[coordinator]\nclient = x\n' \
        >"$S/$1/cluster.ini"
}
# Design "fast": three trials. Design "safe": two finished trials and one
# that left no summary.json. "broken": one run with an invalid summary.
plant fast-t1 0.5 10 2 100
plant fast-t2 0.9 30 4 300
plant fast-t3 0.7 20 0 200 fail
plant safe-t1 0.2 0 0 50
plant safe-t2 0.4 0 0 70
mkdir -p "$S/safe-t3" "$S/broken-t1"
echo '{not json' >"$S/broken-t1/summary.json"
# The coordinator's failover and two nodes' conflicts, for run_facts.awk.
cat >"$S/safe-t1/logs/coordinator.log" <<'EOF'
2026-01-01T00:00:00.000Z node=coordinator level=info event=failover phase=detected node=p1 missed=3 silent_ms=240 elapsed_ms=0
2026-01-01T00:00:00.010Z node=coordinator level=info event=failover phase=first_write node=s1 elapsed_ms=15
2026-01-01T00:00:09.000Z node=coordinator level=info event=failover phase=detected node=s1 missed=3 silent_ms=999 elapsed_ms=0
EOF
printf 'a event=conflict key=k1\nb event=conflict key=k2\n' >"$S/safe-t1/logs/m1.log"
printf 'a event=conflict key=k1\nb event=other\n' >"$S/safe-t1/logs/m2.log"
printf 'event=conflict x\n' >"$S/safe-t1/logs/mm-load.log"

cat >"$S/definition.sweep" <<'EOF'
description="Two planted designs."
scenario=planted
figure=tradeoff
expect=(
    "fast availability.write_in_faults >= 0.7"
    "safe violations.per_1k_ops < fast violations.per_1k_ops"
    "safe throughput.write_ok_per_s > 0.25 * fast throughput.write_ok_per_s"
    "broken availability.write > 0"
)
EOF
{
    printf 'variant\tx\tseries\ttrial\tseed\trun\toptions\n'
    for k in 1 2 3; do
        printf 'fast\t\t\t%d\t%d\tfast-t%d\t--design multi-master-async\n' "$k" "$k" "$k"
        printf 'safe\t\t\t%d\t%d\tsafe-t%d\t--design multi-master-sync\n' "$k" "$k" "$k"
    done
    printf 'broken\t\t\t1\t1\tbroken-t1\t\n'
} >"$S/plan.tsv"
echo "experiments/sweep planted --seed 1 --trials 3" >"$S/command"
printf '100\t1.50 1.0 1.0\n130\t3.50 2.0 1.0\n160\t2.00 2.0 1.0\n' >"$S/loadavg.tsv"

set +e
"$SREPORT" "$S" >/dev/null 2>"$DIR/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "sweep-report exit $rc, want 1 (one expectation cannot be checked): $(cat "$DIR/err")"
sum=$S/summary.json
q() { jq -r "$1" "$sum"; }

# Medians, spreads and order: three trials give the middle value, two the
# mean of both; a run without a summary is left out, not counted as zero.
[ "$(q '.order | join(",")')" = "fast,safe,broken" ] || fail "variant order: $(q .order)"
[ "$(q '.designs.fast.availability.write_in_faults')" = 0.7 ] || fail "median of 0.5 0.9 0.7"
[ "$(q '.designs.fast.spread.min.availability.write_in_faults')" = 0.5 ] || fail "min of 0.5 0.9 0.7"
[ "$(q '.designs.fast.spread.max.availability.write_in_faults')" = 0.9 ] || fail "max of 0.5 0.9 0.7"
[ "$(q '.designs.fast.windows[0].write')" = 0.7 ] || fail "windows are not aggregated element by element"
[ "$(q '.designs.safe.availability.write_in_faults')" = 0.30000000000000004 ] ||
    [ "$(q '.designs.safe.availability.write_in_faults')" = 0.3 ] || fail "median of two trials is not their mean"
[ "$(q '.designs.safe.trials | map(.verdict) | join(",")')" = "pass,pass,no summary" ] ||
    fail "trial verdicts: $(q '.designs.safe.trials')"
[ "$(q '.designs.fast.verdict')" = fail ] || fail "a design with a failed trial must say fail"
[ "$(q '.designs.broken')" = null ] || fail "a design with no valid summary must be null"
[ "$(q '.designs.fast.spread.min | has("witnesses")')" = false ] || fail "spread keeps non-numbers"
[ "$(q '.designs.fast.witnesses.stale_reads[0].text')" = x ] || fail "the entry lost the run's witnesses"
say "medians, min and max over planted trials; a missing run is left out"

# Derived fields: violations = lost (missing + stale_final) + inversions +
# stale reads + session violations, per 1,000 ok operations. Each is a
# median of its own: the trials' totals are 15, 37 and 23.
[ "$(q '.designs.fast.violations | [.lost, .inversions, .stale, .session, .total] | join(" ")')" = "1 2 20 2 23" ] ||
    fail "violations of fast: $(q '.designs.fast.violations')"
[ "$(q '.designs.fast.violations.per_1k_ops')" = 23 ] || fail "per 1,000 of 1,000 ok operations"
[ "$(q '.designs.fast.throughput.read_ok_per_s')" = 300 ] || fail "read throughput = ops - writes"
[ "$(q '.designs.safe.coordinator.failover_ms')" = 255 ] || fail "failover = silent 240 + 15 ms: $(q '.designs.safe.coordinator')"
[ "$(q '.designs.safe.spread.max.conflicts_logged')" = 2 ] || fail "conflicts of the busiest node (mm-load.log is no node)"
[ "$(q '.designs.safe.cluster | [.ack, .write_service_us, .read_service_us, .writers, .replicas, .coordinator] | join(" ")')" = "all 250 0 2 1 true" ] ||
    fail "cluster settings: $(q '.designs.safe.cluster')"
[ "$(q '.loadavg.median')" = 2 ] && [ "$(q '.loadavg.max')" = 3.5 ] && [ "$(q '.elapsed_s')" = 60 ] ||
    fail "load average and time: $(q '[.loadavg, .elapsed_s]')"
say "derived: violations, per 1,000 ops, read throughput, failover, conflicts, settings, load"

# Expectations on the medians; one that names a design without data
# cannot be checked, and the sweep fails.
[ "$(q '[.expectations[].pass] | map(tostring) | join(",")')" = "true,true,true,null" ] ||
    fail "expectations: $(q '[.expectations[] | [.text, .pass]]')"
[ "$(q .verdict)" = fail ] || fail "an expectation that cannot be checked must fail the sweep"
sed -i '/broken availability/d' "$S/definition.sweep"
"$SREPORT" "$S" >/dev/null || fail "every expectation held, yet sweep-report exit $?"
[ "$(q .verdict)" = pass ] || fail "verdict after the unmet line was removed"
sed -i 's/>= 0.7"/>= 0.71"/' "$S/definition.sweep"
set +e; "$SREPORT" "$S" >/dev/null; rc=$?; set -e
[ "$rc" = 1 ] && [ "$(q '.expectations[0].pass')" = false ] || fail "0.7 >= 0.71 held (exit $rc)"
say "expectations: held, not held, cannot be checked; exit 0 or 1"

# The report: sections in order, every table row rendered, figure, text.
md=$S/report.md
grep -E '^#{1,2} ' "$md" >"$DIR/sections"
printf '%s\n' '# FAIL — sweep planted' '## Sweep' '## What this sweep must show' '## Figure' \
    '## Side by side' '## What the faults were' '## Variants' '## Runs' \
    '## How to read this report' | diff - "$DIR/sections" >&2 || fail "report.md's sections differ (above)"
grep -q '^| \*\*fast\*\* | 90% | 70% (50%–90%) |' "$md" || fail "no median (spread) cell for fast: $(grep fast "$md" | head -3)"
grep -q '^| \*\*broken\*\* | no run finished' "$md" || fail "a design without runs has no row"
grep -q '^| ✘ | `fast` `availability.write_in_faults` ≥ 0.71 | 70% ≥ 71% | \*\*not shown\*\* |$' "$md" ||
    fail "the unmet expectation is not shown with its numbers"
grep -q 'the coordinator is part of every number' "$md" || fail "the report does not say the coordinator is in the path"
grep -q 'write_service_us `250`' "$md" || fail "the report does not state the service-time setting"
grep -q 'load average (1 min) before the runs: median 2' "$md" || fail "the report does not say how busy the machine was"
[ "$(grep -c '^| ' "$md")" = "$(grep -o '<tr>' "$S/report.html" | wc -l)" ] ||
    fail "report.html does not render every table row of report.md"
grep -q 'src="data:image/png;base64,' "$S/report.html" || fail "the figure is not embedded"
[ "$(head -c 4 "$S/figure.png" | tail -c 3)" = PNG ] || fail "figure.png is not a PNG"
[ "$(wc -l <"$S/table.txt")" = 5 ] || fail "table.txt: a title, a header and one line per variant: $(cat "$S/table.txt")"
grep -q '^fast  *70%' "$S/table.txt" || fail "table.txt: $(cat "$S/table.txt")"
say "report.md, report.html (every row, figure embedded), table.txt"

# Label placement on planted coordinates: all points on one spot, points
# in a tight cluster, and more points than fit. Labels keep their points'
# order, stay in the column and never come closer than a label height.
labels() { awk -f "$top/experiments/awk/sweep_labels.awk" -v axes="$DIR/axes" "$1"; }
check_column() { # check_column PLACED N: column fraction is field 10
    awk -F'\t' -v n="$2" '
        { at[NR] = $10 + 0; if (at[NR] < 0 || at[NR] > 1) bad = bad " out:" $11 }
        END {
            if (NR != n) { print "want " n " labels, got " NR; exit 1 }
            lh = (n <= 30) ? 1 / 30 : 1 / n
            for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++) {
                d = at[i] - at[j]; if (d < 0) d = -d
                if (d < lh - 1e-4) bad = bad " " i "/" j
            }
            if (bad != "") { print "overlaps:" bad; exit 1 }
        }' "$DIR/placed" || fail "label column of $1: $(cat "$DIR/placed")"
}
for i in $(seq 1 8); do printf 'd%s\t99\t99\t99\t10\t10\t10\t100\n' "$i"; done >"$DIR/same.tsv"
labels "$DIR/same.tsv" >"$DIR/placed"; check_column same 8
[ "$(cut -f6 "$DIR/axes")" = 0 ] || fail "no zero among the points, yet the axis labels one"
for i in $(seq 1 8); do printf 'z%s\t99\t99\t99\t0\t0\t0\t100\n' "$i"; done >"$DIR/zero.tsv"
labels "$DIR/zero.tsv" >"$DIR/placed"; check_column zero 8
[ "$(cut -f6 "$DIR/axes")" = 1 ] || fail "zeros on the log axis, yet no 0 label"
for i in $(seq 1 8); do printf 't%s\t99\t99\t99\t%s\t1\t1\t100\n' "$i" "$((990 + i))"; done >"$DIR/top.tsv"
echo "low	50	50	50	1	1	1	1" >>"$DIR/top.tsv"
labels "$DIR/top.tsv" >"$DIR/placed"; check_column top 9
for i in $(seq 1 12); do printf 'near%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "9$i" 90 99 "1.0$i" 1 2 "$i"; done >"$DIR/near.tsv"
labels "$DIR/near.tsv" >"$DIR/placed"; check_column near 12
sort -r "$DIR/near.tsv" | labels /dev/stdin | sort >"$DIR/placed.rev"
labels "$DIR/near.tsv" | sort | cmp -s - "$DIR/placed.rev" || fail "the placement depends on the input order"
for i in $(seq 1 40); do printf 'many%s\t50\t50\t50\t%s\t%s\t%s\t1\n' "$i" "$i" "$i" "$i"; done >"$DIR/many.tsv"
labels "$DIR/many.tsv" >"$DIR/placed"; check_column many 40
printf 'zero\t100\t100\t100\t0\t0\t0\t5\nhigh\t10\t5\t20\t500\t400\t600\t50\n' >"$DIR/two.tsv"
labels "$DIR/two.tsv" >"$DIR/placed"; check_column two 2
awk -F'\t' '$11 == "zero" && !($10 < 0.05) { exit 1 } $11 == "high" && !($10 > 0.5) { exit 1 }' "$DIR/placed" ||
    fail "labels do not follow their points' heights: $(cat "$DIR/placed")"
say "label column: 8 on one spot, 8 at zero, 8 at the top, 12 close together, 40 (more than fit), order kept"

# Bad input: a clear error and exit 2, nothing written.
set +e
"$SREPORT" "$DIR/nowhere" 2>"$DIR/err"; r1=$?
mkdir -p "$DIR/plain"; "$SREPORT" "$DIR/plain" 2>>"$DIR/err"; r2=$?
cp -r "$S" "$DIR/badfig"; echo 'figure=pie' >>"$DIR/badfig/definition.sweep"
"$SREPORT" "$DIR/badfig" 2>>"$DIR/err"; r3=$?
cp -r "$S" "$DIR/badplan"; printf 'fast\t\t\tone\t1\tfast-t1\t\n' >>"$DIR/badplan/plan.tsv"
"$SREPORT" "$DIR/badplan" 2>>"$DIR/err"; r4=$?
set -e
[ "$r1 $r2 $r3 $r4" = "2 2 2 2" ] || fail "bad sweep directories gave exit $r1 $r2 $r3 $r4, not 2 2 2 2"
grep -q 'not a sweep directory' "$DIR/err" && grep -q 'figure must be tradeoff or lines' "$DIR/err" &&
    grep -q 'plan.tsv line 9 is not' "$DIR/err" || fail "no clear error: $(cat "$DIR/err")"
say "bad input: exit 2 with a clear error"

# The index: the sweep's figure first, the sweep and its runs linked.
"$top/experiments/index" "$DIR/reports" >/dev/null || fail "index failed"
ix=$DIR/reports/index.md
[ "$(grep -m1 -E '^## ' "$ix")" = "## Four designs under the same faults" ] ||
    fail "the index does not open with the sweep's figure: $(grep -E '^## ' "$ix")"
grep -q '(sweep-tradeoff.png)' "$ix" && [ -f "$DIR/reports/sweep-tradeoff.png" ] ||
    fail "the index does not show the sweep's figure"
grep -q '^| \[sweep-planted\](sweep-planted/report.html) | \*\*planted\*\* |' "$ix" || fail "the index does not link the sweep"
for r in fast-t1 fast-t2 fast-t3 safe-t1 safe-t2; do
    grep -q "sweep-planted/$r" "$ix" || fail "the index does not list run $r"
done
say "index: the sweep's figure first; the sweep and each of its runs listed"
