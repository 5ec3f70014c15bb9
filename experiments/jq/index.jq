# experiments/jq/index.jq - writes index.md, the page over every run, from
# one object per run (experiments/index gathers them; run with --slurp).
#
# Each object has: rel (the run directory, relative to the index), scenario,
# clock, seed, verdict, write, write_in_faults, windows (how many), lost,
# stale, ryw, mr (monotonic-read violations), tput (ok writes per second),
# report (true when report.html exists) and date. experiments/index passes
# the reports directory, the time, whether it drew the trade-off figure,
# and the directories it could not read. index.html is rendered from this
# Markdown, as a run's report.html is from its report.md.

include "fmt";

# href: a relative path as a link target (each part escaped, / kept).
def href: split("/") | map(@uri) | join("/");

def verdict_cell:
  if . == "pass" then "✔ PASS" elif . == "fail" then "✘ FAIL" else md end;

def run_row:
  "| \(if .report then "[\(.rel | cell)](\(.rel | href)/report.html)" else "\(.rel | cell) (no report)" end)"
  + " | **\(.scenario | cell)**\(if .clock == "" then "" else " clock=\(.clock | cell)" end)"
  + " | \(.seed | cell) | \(.verdict | verdict_cell) | \(.write | pct)"
  + " | \(if .windows > 0 then .write_in_faults | pct else "no faults" end)"
  + " | \(.lost | count) | \(.stale | count) | \(.tput | count) | \(.date) |";

. as $runs
| [
  "# mmlab runs",
  "",
  "\($runs | length) runs in \($dir | code) (\($runs | map(select(.verdict == "pass")) | length) pass, \($runs | map(select(.verdict == "fail")) | length) fail).",
  "",
  (if $figure == "1" then
     "## Trade-off: availability against consistency",
     "",
     "![trade-off: write availability against consistency violations](tradeoff.png)",
     "",
     "One point per run. Further right: more writes succeeded during faults (overall availability for a run without faults). Lower: fewer consistency violations (lost writes + stale reads + read-your-writes + monotonic-read violations, +1 so that zero fits on a log scale). Bigger: more successful writes per second. The best place is the bottom right; asynchronous multi-master trades the two against each other.",
     ""
   else empty end),
  "## Runs",
  "",
  (if $runs == [] then "No runs yet: `experiments/run baseline` makes one."
   else
     "| run | scenario | seed | verdict | write avail. | in faults | lost writes | stale reads | writes/s | date |",
     "|---|---|--:|---|--:|--:|--:|--:|--:|---|",
     ($runs | sort_by([.scenario, .clock, .rel]) | .[] | run_row)
   end),
  "",
  (if $incomplete == "" then empty
   else "Incomplete runs (no summary.json: the run or its check did not finish): \($incomplete | md)", "" end),
  (if $skipped == "0" then empty
   else "\($skipped) run directories were skipped: their summary.json is not valid JSON.", "" end),
  "---",
  "",
  "Written by `experiments/index` on \($written). docs/reports.md explains the reports and this figure."
] | join("\n")
