# experiments/jq/sweep_report.jq - writes a sweep's report.md (or, with
# --arg mode text, its short text table) from the sweep's summary.json.
#
# This is the one place a sweep report's words are written; report.html is
# rendered from the Markdown, as a run's is. Input: the summary.json of
# experiments/jq/sweep_summary.jq. experiments/sweep-report passes, as
# --arg: mode (md or text), the scenario's description, the run
# directory, the time; as --rawfile: the column table
# (experiments/sweep-columns.tsv) and the designs' one-line summaries
# ("NAME<TAB>TEXT" lines); as --argjson: the columns the sweep file
# names ([] for the default ones) and the figure's lines (title, metric).
# The sections follow docs/reports.md.

include "fmt";

def tsv($text):
  $text | split("\n")
  | map(select(length > 0 and (startswith("#") | not)) | split("\t"));

def column_rows:
  tsv($columns_tsv) | map({path: .[0], header: .[1], format: .[2], meaning: .[3], flag: (.[4] // "")});

# A column the table does not list shows its path, as a number.
def column($path):
  (column_rows | map(select(.path == $path)) | .[0])
  // {path: $path, header: $path, format: "number", meaning: ""};

def chosen:
  if $columns == [] then column_rows | map(select(.flag == "default" or .flag == "text"))
  else $columns | map(column(.)) end;

def text_columns:
  if $columns == [] then column_rows | map(select(.flag == "text"))
  else chosen[:6] end;

# getp(path): a dotted path; numbers index arrays from 1 (windows.1).
def getp($p):
  reduce ($p | split("."))[] as $k (.;
    if . == null then null
    elif type == "array" then (($k | tonumber? // 0) as $i | if $i < 1 then null else .[$i - 1] end)
    elif type == "object" then .[$k]
    else null end);

# cell(entry; column): the median, and the spread over the trials when
# they differ: "99.3% (99.1%–99.5%)".
def value_cell($e; $c):
  ($e | getp($c.path)) as $m
  | ($e.spread.min | getp($c.path)) as $lo
  | ($e.spread.max | getp($c.path)) as $hi
  | ($m | as_format($c.format))
    + (if ($lo | type) == "number" and ($hi | type) == "number" and $lo != $hi
       then " (\($lo | as_format($c.format))–\($hi | as_format($c.format)))" else "" end);

def lines: join("\n");
def plural($n; $word): "\($n) \($word)\(if $n == 1 then "" else "s" end)";
def opname: {">=": "≥", "<=": "≤", "==": "="}[.] // .;

# ---- Verdict and the sweep's facts ------------------------------------------------
def held: [.expectations[] | select(.pass == true)] | length;

def verdict_line:
  (.expectations | length) as $n
  | if $n == 0 then "The sweep file sets no expectations."
    elif .verdict == "pass" then
      (if $n == 1 then "Its one expectation held." else "All \($n) expectations held." end)
    else "\(held) of \($n) expectations held; see *What this sweep must show*." end;

def term_text:
  if .entry == null then .text
  else "\(if .factor != null then "\(.factor | sig3) × " else "" end)\(.entry | code) \(.path | code)" end;

# measured(t; other): a term's value in its column's format; a bare number
# takes the format of the other side (0.99 against a percentage is 99%).
def measured($t; $other):
  if $t.value == null then "n/a"
  else $t.value | as_format(column($t.path // $other.path // "").format) end;

def expectations:
  "## What this sweep must show",
  "",
  (if .expectations == [] then "The sweep file sets no expectations.", ""
   else
     "Each line of the sweep file's `expect`, checked on the medians over the trials.",
     "",
     "| | expectation | measured | result |",
     "|---|---|---|---|",
     (.expectations[]
      | "| \(if .pass == true then "✔" elif .pass == false then "✘" else "⚠" end)"
        + " | \(.left | term_text) \(.op // "?" | opname) \(.right | term_text)"
        + " | \(measured(.left; .right)) \(.op // "?" | opname) \(measured(.right; .left))"
        + " | \(if .pass == true then "held" elif .pass == false then "**not shown**"
               else "could not be checked: \(.error // .left.error // .right.error // "a value is missing" | cell)" end) |"),
     ""
   end);

def all_runs: [.designs[] | select(. != null) | .trials[]];

def settings_line:
  [.designs[] | select(. != null) | .cluster] as $c
  | def one($k): $c | map(.[$k]) | unique;
  "durability \(one("durability") | map(tostring) | join(", ") | code);"
  + " write_service_us \(one("write_service_us") | map(tostring) | join(", ") | code),"
  + " read_service_us \(one("read_service_us") | map(tostring) | join(", ") | code)"
  + (if (one("write_service_us") + one("read_service_us")) | all(. == 0)
     then " (no emulated storage cost: every node works as fast as the shared cores let it)"
     else " (a node sleeps this long per write it applies, or per read it serves: docs/config.md; each variant's setting is in *Variants*)" end)
  + ".";

def header:
  "# \(.verdict | ascii_upcase) — sweep \(.sweep | md)",
  "",
  "**\(verdict_line)**",
  "",
  (.description | md),
  "",
  "## Sweep",
  "",
  "- **Command:** \(.command | if . == "" then "(not recorded)" else code end)",
  "- **Scenario:** \(.scenario | code)\(if $scenario_text == "" then "" else " — \($scenario_text | md)" end)",
  "- **Trials:** \(.trials) (seed\(if .trials == 1 then " \(.seed)" else "s \(.seed)–\(.seed + .trials - 1)" end)). In a trial every variant runs with the same seed, so the same workload and fault schedule. Numbers are medians over the trials, with the spread (lowest–highest) in brackets where the trials differ.",
  (if all_runs == [] then empty
   elif [.designs[] | select(. != null) | .cluster.coordinator] | all then
     "- **Path:** every operation went through the coordinator (`mm-load --coordinator`), which sends a write to the primary, or to the key's home master and on to the next master that is up, and reads to the replicas: the coordinator is part of every number below."
   else empty end),
  "- **Machine:** \(if .cores == null then "" else "\(.cores) cores, " end)shared by every process of a run (the nodes, the coordinator and the load generator) and by whatever else ran on it"
    + (if .loadavg == null then "" else "; load average (1 min) before the runs: median \(.loadavg.median | sig3), highest \(.loadavg.max | sig3)" end)
    + (if .elapsed_s == null then "" else "; the sweep took \(.elapsed_s | count) s" end)
    + ". On a few shared cores every process competes for the same CPUs, which flattens scaling curves and adds noise: compare the variants with each other, not with other machines.",
  "- **Settings:** \(settings_line)",
  "";

# ---- The figure ---------------------------------------------------------------------
def figure:
  "## Figure",
  "",
  (if .figure == "tradeoff" then
     "![trade-off: write availability in faults against consistency violations](figure.png)",
     "",
     "One point per design: further right, more of the writes due inside the fault windows succeeded (overall, for runs without faults); lower, fewer consistency violations (lost writes + real-time inversions + stale reads + session-guarantee violations) per 1,000 successful operations, on a log scale with zero at the bottom; bigger, more successful writes per second. Error bars run from the lowest to the highest trial. Names stand in a column on the right, joined to their points by dotted lines. The best place is the bottom right, and no design gets there: that is the trade-off."
   else
     "![\(.sweep | md)](figure.png)",
     "",
     "One line per series and metric: the median over the trials at each value, with error bars from the lowest to the highest trial.\(if $logy == "1" then " Log scale: a zero is drawn on the bottom line." else "" end)"
   end),
  "";

# ---- The table ------------------------------------------------------------------------
def side_by_side:
  . as $s
  | chosen as $cols
  | ([.order[] | $s.designs[.] | select(. != null) | .knob.x] | any(. != "")) as $knob
  | "## Side by side",
    "",
    "| \(if $s.figure == "tradeoff" then "design" else "variant" end)"
      + (if $knob then " | x | series" else "" end)
      + " | \($cols | map(.header | cell) | join(" | ")) |",
    "|---\(if $knob then "|---|---" else "" end)|\($cols | map("--:") | join("|"))|",
    (.order[] as $v | $s.designs[$v] as $e
     | if $e == null then "| **\($v | cell)** | no run finished\($cols | map(" |") | join("")) |"
       else "| **\($v | cell)**"
            + (if $knob then " | \($e.knob.x | cell) | \($e.knob.series | cell)" else "" end)
            + " | \([$cols[] | value_cell($e; .) | cell] | join(" | ")) |"
       end),
    "",
    ($cols | map("**\(.header | md)**: \(.meaning | md)") | join("; ") | . + "."),
    "";

# ---- The fault windows -------------------------------------------------------------
def faults:
  . as $s
  | [.order[] | $s.designs[.] | select(. != null) | .windows // [] | length] | max // 0
  | if . == 0 then empty
    else . as $n
    | "## What the faults were",
      "",
      "The same schedule for every variant; what a fault meant depends on the design (the runner names the nodes: writer1 is m1, or the primary p1). Write availability inside each window, median over the trials.",
      "",
      "| \(if $s.figure == "tradeoff" then "design" else "variant" end) | \([range(1; $n + 1) | "F\(.)"] | join(" | ")) |",
      "|---|\([range(0; $n)] | map("---") | join("|"))|",
      ($s.order[] as $v | $s.designs[$v] as $e | select($e != null)
       | "| **\($v | cell)** | \([range(0; $n) as $i | ($e.windows // [])[$i]
           | if . == null then "—"
             else "\(.desc // .fault // "?" | cell), \(.start_s | fixed(1))–\(.stop_s | fixed(1)) s: writes \(.write | pct)" end]
           | join(" | ")) |"),
      ""
    end;

# ---- The variants --------------------------------------------------------------------
def design_text($d): (tsv($designs_tsv) | map(select(.[0] == $d)) | .[0][1]) // "";

def variants:
  . as $s
  | "## Variants",
    "",
    "What each variant ran: its design (experiments/designs/), its options to `experiments/run`, and the settings of its cluster file.",
    "",
    "| \(if $s.figure == "tradeoff" then "design" else "variant" end) | what it is | run options | writers | replicas | ack | clock | write_service_us | read_service_us |",
    "|---|---|---|--:|--:|---|---|--:|--:|",
    (.order[] as $v | $s.designs[$v] as $e | select($e != null)
     | "| **\($v | cell)** | \(design_text($e.design // "") | cell)"
       + " | \($e.options // "" | if . == "" then "" else code | gsub("[|]"; "\\|") end)"
       + " | \($e.cluster.writers // "?") | \($e.cluster.replicas // "?")"
       + " | \($e.cluster.ack // "none") | \($e.cluster.clock // "hlc")"
       + " | \($e.cluster.write_service_us // 0) | \($e.cluster.read_service_us // 0) |"),
    "";

# ---- The runs ----------------------------------------------------------------------------
def runs:
  . as $s
  | "## Runs",
    "",
    "Every run has its own report, with its plots, witnesses and raw files.",
    "",
    "| run | \(if $s.figure == "tradeoff" then "design" else "variant" end) | trial | seed | verdict of the run |",
    "|---|---|--:|--:|---|",
    (.order[] as $v | $s.designs[$v] | select(. != null) | .trials[]
     | "| [\(.rel | cell)](\(.rel)/report.html) | \($v | cell) | \(.trial) | \(.seed)"
       + " | \(if .verdict == "pass" then "✔ pass" elif .verdict == "fail" then "✘ fail" else "⚠ \(.verdict | cell)" end) |"),
    "",
    "A run's verdict is its scenario's thresholds (replication never lost a write outright and the nodes converged); the sweep's verdict is its expectations above.",
    "";

def howto:
  "## How to read this report",
  "",
  "- **Verdict:** PASS means the sweep showed everything its sweep file expects (the table *What this sweep must show*); FAIL names what it did not.",
  "- **Availability** is open loop: clients send at a fixed rate, and an operation that comes due while a client is stuck counts as not done, so a design that stalls is charged for every write it should have taken. *In faults* counts the writes due inside the fault windows.",
  "- **Violations** are counted by mm-check on each run's history and final state (docs/metrics.md): lost acknowledged writes, real-time inversions (a write that LWW ranks below one that finished before it began), stale reads, read-your-writes and monotonic-read violations. docs/reports.md explains the sweep's own fields.",
  "";

def footer:
  "---",
  "",
  "Written by `experiments/sweep-report` on \($written). Regenerate with \("experiments/sweep-report \($dir)" | code). report.html is rendered from [report.md](report.md); [summary.json](summary.json) holds every number.";

# ---- The text table: what make demo prints ------------------------------------------
def pad($w): tostring | if length >= $w then . else . + (" " * ($w - length)) end;
def lpad($w): tostring | if length >= $w then . else (" " * ($w - length)) + . end;

def text_table:
  . as $s
  | text_columns as $cols
  | ([.order[] | length] + [6] | max) as $w
  | "\(.sweep): \(.verdict | ascii_upcase) (\(held) of \(.expectations | length) expectations held; medians of \(plural(.trials; "trial")))",
    (if .figure == "tradeoff" then "design" else "variant" end | pad($w)) + ($cols | map("  " + (.header | lpad(13))) | join("")),
    (.order[] as $v | $s.designs[$v] as $e
     | ($v | pad($w))
       + ($cols | map(. as $c | "  " + ($e | getp($c.path) | as_format($c.format) | lpad(13)))
          | join("")));

if $mode == "text" then [text_table] | lines
else [header, expectations, figure, side_by_side, faults, variants, runs, howto, footer] | lines
end
