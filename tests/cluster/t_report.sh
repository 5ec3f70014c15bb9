# The run report and the index, on a run made without a cluster: a
# synthetic history (mm-genhistory: a partition between m1 and m2) checked
# by mm-check. It checks that report.md is the one source (report.html
# renders every table row and section of it, and nothing from outside:
# the plots are embedded), that metrics and anomalies the table files list
# appear when summary.json has them, that a failed threshold is named, that
# bad input gets a clear error and missing files do not stop the report,
# and that the index links every run.
. "$(dirname "$0")/lib.sh"
DIR=$(mktemp -d /tmp/mmlab-test.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
REPORT=$top/experiments/report
INDEX=$top/experiments/index

# mkrun NAME [THRESHOLD...]: a run directory laid out as experiments/run
# leaves it.
mkrun() {
    local r=$DIR/runs/$1 t targs=()
    mkdir -p "$r/final" "$r/logs"
    "$MM_BIN/mm-genhistory" 20000 "$r" 7 >/dev/null
    for t in "${@:2}"; do targs+=(--threshold "$t"); done
    "$MM_BIN/mm-check" --history "$r/history.jsonl" --dumps "$r" --nodes m1,m2,r1,r2 \
        --scenario partition --seed 7 --out "$r" --quiet "${targs[@]}" >"$r/check.txt" || true
    mv "$r"/*.dump "$r/final/"
    echo "experiments/run partition --seed 7 --duration 3" >"$r/command"
    printf '[node %s]\nrole = %s\n' m1 master m2 master r1 replica r2 replica >"$r/cluster.ini"
}
# md_rows FILE.md: its table rows (a separator line starts "|-", not "| ");
# html_rows FILE.html: its <tr>s.
md_rows() { grep -c '^| ' "$1"; }
html_rows() { grep -o '<tr>' "$1" | wc -l; }

mkrun pass
R=$DIR/runs/pass

# --help prints the usage and does nothing else.
"$REPORT" --help "$R" | grep -q 'experiments/report RUNDIR' || fail "report --help printed no usage"
"$INDEX" --help | grep -q 'experiments/index \[REPORTS_DIR\]' || fail "index --help printed no usage"
[ ! -e "$R/report.md" ] || fail "report --help wrote a report"

# Bad input: a clear error (exit status 2), never a half-written report.
set +e
"$REPORT" "$DIR/nowhere" 2>"$DIR/err"; rc1=$?
mkdir -p "$DIR/empty"; "$REPORT" "$DIR/empty" 2>>"$DIR/err"; rc2=$?
mkdir -p "$DIR/junk"; echo '{not json' >"$DIR/junk/summary.json"
"$REPORT" "$DIR/junk" 2>>"$DIR/err"; rc3=$?
set -e
[ "$rc1 $rc2 $rc3" = "2 2 2" ] || fail "bad run directories gave exit status $rc1 $rc2 $rc3, not 2 2 2"
grep -q 'not a valid mm-check summary' "$DIR/err" || fail "no clear error for an invalid summary.json: $(cat "$DIR/err")"
[ ! -e "$DIR/junk/report.html" ] || fail "a report was written for an invalid summary.json"

# The report: every section, in order, and the run's facts.
"$REPORT" "$R" >/dev/null || fail "report failed on a good run"
md=$R/report.md html=$R/report.html
grep -E '^#{1,2} ' "$md" | cut -c1-40 >"$DIR/sections"
printf '%s\n' '# PASS — partition' '## Run' '## Fault windows' '## At a glance' \
    '## How to read this report' '## Metrics' '## Plots' '## Witnesses' '## Nodes' \
    '## Raw files' | diff - "$DIR/sections" >&2 || fail "report.md's sections differ (above)"
grep -q '^- \*\*Command:\*\* `experiments/run partition --seed 7 --duration 3`$' "$md" ||
    fail "report.md does not give the run's command"
grep -q '^- \*\*F1\*\* — m1|m2 partitioned, 1\.1–1\.[67] s: writes 97% available' "$md" ||
    fail "report.md has no sentence for the fault window: $(grep F1 "$md")"
grep -q '^- \*\*Cluster:\*\* 2 masters, 2 replicas (m1 m2 r1 r2)$' "$md" || fail "wrong cluster line"
say "report.md: $(wc -l <"$md") lines, every section"

# report.html is report.md rendered: the same table rows, the verdict as
# the page's class, plots embedded, nothing fetched from elsewhere.
[ "$(md_rows "$md")" -eq "$(html_rows "$html")" ] ||
    fail "report.md has $(md_rows "$md") table rows, report.html $(html_rows "$html")"
grep -q '<body class="pass">' "$html" || fail "report.html is not marked pass"
[ "$(grep -o 'src="data:image/png;base64,iVBORw0KGgo' "$html" | wc -l)" -eq 4 ] ||
    fail "report.html does not embed its 4 plots"
! grep -qiE '<(script|link)|src="(https?:|//)' "$html" || fail "report.html loads something from elsewhere"
for s in run fault-windows at-a-glance metrics plots witnesses nodes raw-files; do
    grep -q "<section id=\"$s\">" "$html" || fail "report.html has no section $s"
done
grep -q '<h3><span class="mark bad">✘</span> Stale reads — ' "$html" || fail "no stale-read witnesses in report.html"
say "report.html: $(md_rows "$md") table rows like report.md, 4 plots embedded, $(stat -c %s "$html") bytes"

# Metrics and anomalies the checker may add show up when present, and a
# witness kind no table lists is still shown.
jq '.ops.skipped = 12 | .availability.write_outage_s = 2.5
    | .consistency.realtime_inversions = 7
    | .witnesses.realtime_inversions = [{"t_s": 1.5, "key": "k1", "text": "client 1 wrote k1=c1.1; k1=c2.2 beat it"}]
    | .witnesses.future_kind = [{"t_s": 2, "key": "k2", "text": "something about k2=c3.3"}]
    | .scenario = "<script>x</script>"' "$R/summary.json" >"$DIR/s" && mv "$DIR/s" "$R/summary.json"
"$REPORT" "$R" >/dev/null || fail "report failed on a summary with new fields"
for row in '`ops.skipped` | 12 ' '`availability.write_outage_s` | 2.50 s ' '`consistency.realtime_inversions` | 7 '; do
    grep -qF "| $row" "$md" || fail "report.md has no row $row"
done
grep -q '^### ✘ Real-time order inversions — 7 in total, 1 shown$' "$md" || fail "no real-time inversion witnesses"
grep -q '^### ✘ Future kind — 1 in total, 1 shown$' "$md" || fail "an unlisted witness kind is not shown"
grep -q '<code>consistency.realtime_inversions</code>' "$html" || fail "report.html lacks the new metric"
! grep -q '<script>' "$html" || fail "the scenario name reached report.html as HTML"
say "new summary fields shown: ops.skipped, availability.write_outage_s, consistency.realtime_inversions"

# A failed threshold is named, with its value, in the verdict.
mkrun fail 'stale_reads.count <= 0'
"$REPORT" "$DIR/runs/fail" >/dev/null || fail "report failed on a failed run"
grep -q '^# FAIL — partition$' "$DIR/runs/fail/report.md" || fail "no FAIL verdict"
grep -q '^\*\*Not met: `stale_reads.count` = [0-9,]* (must be ≤ 0)\.\*\*$' "$DIR/runs/fail/report.md" ||
    fail "the verdict does not name the failed threshold: $(sed -n 3p "$DIR/runs/fail/report.md")"
grep -q '<body class="fail">' "$DIR/runs/fail/report.html" || fail "report.html is not marked fail"

# Missing files give an emptier report, not an error.
mkrun bare
rm -rf "$DIR/runs/bare"/{*.csv,final,logs,command,cluster.ini,history.jsonl,check.txt}
"$REPORT" "$DIR/runs/bare" >/dev/null || fail "report failed without the optional files"
grep -q '^- \*\*Cluster:\*\* m1 m2 r1 r2 (no cluster.ini: roles unknown)$' "$DIR/runs/bare/report.md" ||
    fail "no note about the missing cluster file"
grep -q '^No final dumps were found in final/\.$' "$DIR/runs/bare/report.md" || fail "no note about missing dumps"
say "failed thresholds named; a run with only summary.json still gets a report"

# The index links every run and embeds its figure.
"$INDEX" "$DIR/runs" >/dev/null || fail "index failed"
grep -q '^0 sweeps and 3 runs in `.*` (runs: 2 pass, 1 fail)\.$' "$DIR/runs/index.md" || fail "wrong index count: $(sed -n 3p "$DIR/runs/index.md")"
for r in pass fail bare; do
    grep -q "^| \[$r\]($r/report.html) |" "$DIR/runs/index.md" || fail "index.md does not link $r"
done
[ "$(md_rows "$DIR/runs/index.md")" -eq "$(html_rows "$DIR/runs/index.html")" ] || fail "index.html's rows differ from index.md's"
grep -q 'src="data:image/png;base64,iVBORw0KGgo' "$DIR/runs/index.html" || fail "index.html does not embed the trade-off figure"
say "index: 3 runs linked, trade-off figure embedded"
