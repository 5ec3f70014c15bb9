# experiments/jq/index.jq - writes index.md, the page over every sweep and
# every run, from one object per run (experiments/index gathers them; run
# with --slurp) and one per sweep (--slurpfile sweeps).
#
# A run object has: rel (the run directory, relative to the index),
# scenario, clock, design, sweep (the sweep directory it belongs to, or
# ""), seed, verdict, write, write_in_faults, windows (how many), lost,
# violations, stale, tput (ok writes per second), report (true when
# report.html exists) and date. A sweep object has: rel, sweep (its name),
# kind (its figure: tradeoff or lines), verdict, held and expected (its
# expectations), variants, trials, report, figure and date. A lab
# object (--slurpfile labs, from a lab's lab.json) has: rel, lab, title,
# variant, seed, passed, failed, failing (the labels of the failed
# checks), report and date.
# experiments/index passes the reports directory, the time, whether it
# drew the runs' trade-off figure, the sweep whose figure it copied
# (headline), and the directories it could not read. index.html is
# rendered from this Markdown, as a run's report.html is from its
# report.md.

include "fmt";

# href: a relative path as a link target (each part escaped, / kept).
def href: split("/") | map(@uri) | join("/");

def verdict_cell:
  if . == "pass" then "✔ PASS" elif . == "fail" then "✘ FAIL" else md end;

def run_row:
  "| \(if .report then "[\(.rel | cell)](\(.rel | href)/report.html)" else "\(.rel | cell) (no report)" end)"
  + " | **\(.scenario | cell)**\(if .design == "" then "" else " design=\(.design | cell)" end)"
  + "\(if .clock == "" then "" else " clock=\(.clock | cell)" end)"
  + " | \(.seed | cell) | \(.verdict | verdict_cell) | \(.write | pct)"
  + " | \(if .windows > 0 then .write_in_faults | pct else "no faults" end)"
  + " | \(.lost | count) | \(.stale | count) | \(.tput | count) | \(.date) |";

def lab_row:
  "| \(if .report then "[\(.rel | cell)](\(.rel | href)/report.html)" else "\(.rel | cell) (no report)" end)"
  + " | **\(.lab | cell)** \(.title | cell) | \(.variant) | \(.seed)"
  + " | \(if .failed == 0 then "✔ PASS" else "✘ FAIL" end) | \(.passed) of \(.passed + .failed)"
  + " | \(if .failing == [] then "" else .failing | join("; ") | cell end) | \(.date) |";

def sweep_row:
  "| \(if .report then "[\(.rel | cell)](\(.rel | href)/report.html)" else "\(.rel | cell) (no report)" end)"
  + " | **\(.sweep | cell)** | \(.verdict | verdict_cell) | \(.held) of \(.expected)"
  + " | \(.variants) | \(.trials // "?") | \(.date) |";

. as $runs
| ($sweeps | sort_by([.sweep, .rel])) as $sw
| ($sw | map(select(.rel == $headline)) | .[0]) as $head
| ($labs | sort_by([.lab, .variant, .date, .rel])) as $lb
| [
  "# mmlab runs",
  "",
  "\(if $lb == [] then "" else "\($lb | length) lab checks, " end)\($sw | length) sweeps and \($runs | length) runs in \($dir | code) (runs: \($runs | map(select(.verdict == "pass")) | length) pass, \($runs | map(select(.verdict == "fail")) | length) fail).",
  "",
  (if $lb == [] then empty else
     "## Lab checks",
     "",
     "One row per `experiments/lab` run (docs/labs/): its checks passed, and the labels of those that failed. A lab is a small sweep: its report has every check with its numbers, and links the runs' own reports.",
     "",
     "| lab run | lab | variant | seed | verdict | checks passed | failed checks | date |",
     "|---|---|--:|--:|---|--:|---|---|",
     ($lb[] | lab_row),
     ""
   end),
  (if $head == null then empty else
     "## Four designs under the same faults",
     "",
     "![trade-off across designs: write availability in faults against consistency violations](sweep-tradeoff.png)",
     "",
     "The newest trade-off sweep, [\($head.rel | cell)](\($head.rel | href)/report.html) (\($head.verdict | verdict_cell), \($head.held) of \($head.expected) expectations held): one point per design under the same faults and the same workload. Further right: more of the writes due during the faults succeeded. Lower: fewer consistency violations per 1,000 operations. Bigger: more writes per second. No design reaches the bottom right: that is the trade-off. Its report has the numbers, with their spread over trials.",
     ""
   end),
  "## Sweeps",
  "",
  (if $sw == [] then "No sweeps yet: `experiments/sweep tradeoff` compares the four designs (`experiments/sweep --list` shows every sweep)."
   else
     "| sweep | name | verdict | expectations held | variants | trials | date |",
     "|---|---|---|--:|--:|--:|---|",
     ($sw[] | sweep_row)
   end),
  "",
  (if $figure == "1" then
     "## Trade-off of the runs made outside sweeps",
     "",
     "![trade-off: write availability against consistency violations](tradeoff.png)",
     "",
     "One point per run made outside a sweep (a sweep's runs are in its own figure). Further right: more writes succeeded during faults (overall availability for a run without faults). Lower: fewer consistency violations (lost writes + real-time inversions + stale reads + read-your-writes + monotonic-read violations, +1 so that zero fits on a log scale). Bigger: more successful writes per second. Different scenarios put different faults on the same design, so these points are not a comparison of designs: the sweep above is.",
     ""
   else empty end),
  "## Runs",
  "",
  (if $runs == [] then "No runs yet: `experiments/run baseline` makes one."
   else
     "| run | scenario | seed | verdict | write avail. | in faults | lost writes | stale reads | writes/s | date |",
     "|---|---|--:|---|--:|--:|--:|--:|--:|---|",
     ($runs | sort_by([.sweep, .scenario, .design, .clock, .rel]) | .[] | run_row)
   end),
  "",
  (if $incomplete == "" then empty
   else "Incomplete runs (no summary.json: the run or its check did not finish): \($incomplete | md)", "" end),
  (if $skipped == "0" then empty
   else "\($skipped) run directories were skipped: their summary.json is not valid JSON.", "" end),
  "---",
  "",
  "Written by `experiments/index` on \($written). docs/reports.md explains the reports, the sweeps and these figures."
] | join("\n")
