# experiments/jq/report.jq - writes a run's report.md from its summary.json.
#
# This is the one place the report's words are written: report.html is
# rendered from the Markdown this program prints, so each fact is written
# once. Input: summary.json. experiments/report passes, as --arg, what
# summary.json does not hold: the run's command line, clock mode, scenario
# description; the time axis (load_end, quiet, bw); the
# lag plot's note; the digest's name and the run directory; and, as raw
# text, the metric and witness tables (experiments/report-*.tsv),
# series.csv, and the node and raw-file tables the driver gathered
# (tab-separated). The sections follow docs/reports.md; each function
# below writes one of them as an array of lines.

include "fmt";

# tsv(text): the rows of a tab-separated table, without its # comments.
def tsv($text):
  $text | split("\n")
  | map(select(length > 0 and (startswith("#") | not)) | split("\t"));

# number_arg: a numeric --arg, or null when the driver passed "".
def number_arg: if . == "" then null else tonumber end;

# lookup(path): [present, value] for a dotted summary.json path. A present
# null is "not measurable in this run"; an absent path is "not computed by
# this checker", and its row is left out.
def lookup($path):
  reduce ($path | split("."))[] as $k ([true, .];
    if .[0] and (.[1] | type) == "object" and (.[1] | has($k))
    then [true, .[1][$k]] else [false, null] end);

# scalar: a count that a checker may write as an object ({"count": n}).
def scalar: if type == "object" then (.count // .total) else . end;

def opname: {">=": "≥", "<=": "≤", "==": "="}[.] // .;

# mark(kind): a status mark; the HTML page colours these (render.awk).
def mark($kind): {good: "✔ ", warn: "⚠ ", bad: "✘ ", info: "ℹ "}[$kind] // "";

def metric_rows:
  tsv($metrics_tsv) | map({group: .[0], path: .[1], format: .[2], meaning: .[3]});

def format_of($path):
  (metric_rows | map(select(.path == $path)) | .[0].format) // "number";

def lines: join("\n");

# ---- Verdict, description and the run's command --------------------------------
def verdict_why:
  (.thresholds // []) as $th
  | ($th | map(select(.pass | not) | format_of(.metric) as $f
      | "\(.metric | code) = \(.actual | scalar | as_format($f))"
        + " (must be \(.op | opname) \(.value | as_format($f)))")
    | join("; ")) as $failed
  | if (.verdict | ascii_downcase) == "pass" then
      (if ($th | length) == 0 then "The scenario sets no thresholds."
       elif ($th | length) == 1 then "The scenario's one threshold was met."
       elif ($th | length) == 2 then "Both thresholds of the scenario were met."
       else "All \($th | length) thresholds of the scenario were met." end)
    else "Not met: \(if $failed == "" then "see the metrics table" else $failed end)."
    end;

def ops_line:
  (.ops // {}) as $o
  | [("write", "read", "delete") as $f
     | select(($o[$f].ok // 0) + ($o[$f].fail // 0) + ($o[$f].info // 0) > 0)
     | "\($f)s \($o[$f].ok // 0 | count) ok / \($o[$f].fail // 0 | count) fail"
       + " / \($o[$f].info // 0 | count) info"]
  | join("; ") | if . == "" then "no operations" else . end;

# cluster_line: "2 masters, 1 replica (m1 m2 r1)", from the node table.
def cluster_line:
  tsv($nodes_tsv) as $rows
  | ($rows | map(.[0]) | join(" ")) as $names
  | if $rows == [] then "unknown nodes"
    elif ($rows | any(.[1] == "")) then "\($names) (no cluster.ini: roles unknown)"
    else
      ($rows | reduce .[] as $r ([];
          if any(.[]; .[0] == $r[1]) then map(if .[0] == $r[1] then [.[0], .[1] + 1] else . end)
          else . + [[$r[1], 1]] end)
       | map("\(.[1]) \(.[0])\(if .[1] == 1 then "" else "s" end)") | join(", "))
      + " (\($names))"
    end;

def header:
  "# \(.verdict | ascii_upcase) — \(.scenario // "unknown" | md)",
  "",
  "**\(verdict_why)**",
  "",
  ($description | md),
  "",
  "## Run",
  "",
  "- **Command:** \($command | code)",
  "- **Seed:** \(.seed // "?" | tostring | code)"
    + (if $clock == "" then "" else " · clock mode \($clock | code)" end),
  "- **Cluster:** \(cluster_line | md)",
  (if $placement == "" then empty else
     ($placement | split("\n") | map(select(. != ""))) as $p
     | "- **Placement:** \($p[0] | md). Faults were injected by:", ($p[1:][] | "  - \(md)") end),
  "- **Operations:** \(ops_line)",
  (if (.history_errors // 0) > 0 then
     "- **Warning:** ⚠ \(.history_errors | count) malformed history lines were skipped by mm-check." else empty end),
  (if (.dump_errors // 0) > 0 then
     "- **Warning:** ⚠ \(.dump_errors | count) malformed dump lines were skipped by mm-check." else empty end),
  "";

# ---- Fault windows: one sentence each -------------------------------------------
# The ok reads inside a window come from series.csv (by completion bucket,
# prorated at the window's edges), so the stale share is close to, not
# exactly, mm-check's own.
def reads_in($a; $b):
  ($bw | number_arg) as $w
  | [$series | split("\n") | .[1:][] | select(length > 0)
     | split(",") | map(tonumber? // 0)
     | ([.[0], $a] | max) as $lo | ([.[0] + $w, $b] | min) as $hi
     | select($hi > $lo) | .[4] * ($hi - $lo) / $w]
  | add // 0;

def window_sentence($conv):
  ($load_end | number_arg) as $le
  | ($quiet | number_arg) as $q
  | (.stale_reads // 0) as $st
  | (if .stop_s == null then "\(.desc // .fault | md), from \(.start_s | fixed(1)) s to the end of the run: "
     else "\(.desc // .fault | md), \(.start_s | fixed(1))–\(.stop_s | fixed(1)) s: " end)
  + (if .write == null then "no writes attempted" else "writes \(.write | pct) available" end)
  + (if .read == null then ", no reads attempted"
     else ", reads \(.read | pct) available"
       + (reads_in(.start_s; .stop_s // 1e18) as $r
          | if $r >= 1 then ", \($st / $r | pct) of reads stale (\($st | count))"
            else ", \($st | count) stale reads" end)
     end)
  + ", \(.lost_writes // 0 | count) acknowledged write\(if .lost_writes == 1 then "" else "s" end) lost"
  + (if .stop_s == null then "; never healed"
     elif $le != null and .stop_s >= $le - 0.5 then "; healed when the load ended"
       + (if .stop_s < $q - 0.001 then ""
          elif $conv == null then ", and the nodes did NOT converge"
          else ", and all nodes converged \($conv / 1000 | fixed(2)) s later" end)
     elif $conv != null and .stop_s >= $q - 0.001 then
       "; all nodes converged \($conv / 1000 | fixed(2)) s after the heal"
     else "" end)
  + ".";

def faults:
  .convergence_ms as $conv
  | "## Fault windows",
    "",
    (.windows // [] | .[] | "- **F\(.id)** — \(window_sentence($conv))"),
    (if (.windows // []) == [] then "No faults were injected in this run.", "" else "" end),
    (if $conv == null then
       "The nodes did NOT converge: after every fault was healed and the load ended, they never all printed the same digest."
     else
       "After the load ended and every fault was healed, all nodes held the same data \($conv / 1000 | fixed(2)) s later (convergence time)."
     end),
    "";

# ---- At a glance: the numbers a student looks for first ---------------------------
# Each card is a list item: a mark and a label, the number in bold, the
# detail in italics (the stylesheet stacks the three).
def card($kind; $title; $value; $detail):
  "- \(mark($kind))\($title) **\($value)** *\($detail)*";

def glance:
  def any_of($xs): ($xs | map(. // 0) | add) > 0;
  "## At a glance",
  "",
  card(if (.availability.write // 1) < 1 then "warn" else "" end;
       "Write availability"; .availability.write | pct;
       (if .availability.write_in_faults == null then "no fault windows"
        else "\(.availability.write_in_faults | pct) inside fault windows" end)
       + (if (.availability.write_outage_s // 0) > 0
          then ", no write for \(.availability.write_outage_s | fixed(1)) s" else "" end)),
  card(if (.lost_writes.total // 0) > 0 then "bad" else "good" end;
       "Lost writes"; .lost_writes.total | count;
       "+ \(.lost_writes.overwritten_concurrent // 0 | count) overwritten by concurrent writes, not lost"),
  card(if (.stale_reads.count // 0) > 0 then "warn" else "good" end;
       "Stale reads"; .stale_reads.count | count; "\(.stale_reads.fraction | pct) of ok reads"),
  card(if any_of([.ryw_violations, .monotonic_read_violations]) then "warn" else "good" end;
       "Session violations";
       "\(.ryw_violations // 0 | count) / \(.monotonic_read_violations // 0 | count)";
       "read-your-writes / monotonic-read violations"),
  card(if .convergence_ms == null or (.divergent_keys // 0) > 0 then "bad" else "good" end;
       "Convergence";
       (if .convergence_ms == null then "never" else "\(.convergence_ms / 1000 | fixed(2)) s" end);
       "\(.divergent_keys // 0 | count) divergent keys at the end"),
  card(""; "Write throughput"; "\(.throughput.write_ok_per_s // 0 | count)/s";
       "latency p50 \(.latency_ms.p50 | ms), p99 \(.latency_ms.p99 | ms)"),
  "";

def howto:
  "## How to read this report",
  "",
  "- **Verdict:** PASS means the run showed everything its scenario must show (the *thresholds* in the metrics table); FAIL names what it did not.",
  "- **Fault windows:** each fault is summed up in one sentence; in every plot it is a shaded band with the same colour and label (F1, F2, ...).",
  "- **Plots** share one time axis, in seconds since the run started, so you can read them top to bottom at the same moment. The dashed line is the end of the load (everything healed); the dotted green line is when all nodes held the same data.",
  "- **Witnesses** are real examples from this run: grep their key or value in `history.jsonl` to follow them. docs/metrics.md defines every metric; docs/reports.md explains this report.",
  "";

# ---- Metrics against thresholds -----------------------------------------------------
def meaning_of($path): (metric_rows | map(select(.path == $path)) | .[0].meaning) // "";

def metric_line($path; $value; $threshold; $result):
  "| \($path | code | gsub("[|]"; "\\|")) | \($value | scalar | as_format(format_of($path)))"
  + " | \($threshold) | \($result) | \(meaning_of($path) | cell) |";

# The scenario's thresholds first (what the verdict was decided on), then
# every other metric of experiments/report-metrics.tsv that summary.json has.
def metrics:
  . as $s
  | (.thresholds // []) as $th
  | ($th | map(.metric)) as $named
  | [metric_rows[] | . as $r | select($named | any(. == $r.path) | not)
     | ($s | lookup($r.path)) as [$present, $v] | select($present) | . + {value: $v}] as $rows
  | "## Metrics",
    "",
    "| metric | value | threshold | result | what it means |",
    "|---|--:|--:|---|---|",
    (if $th != [] then "| **Thresholds of the scenario** | | | | |" else empty end),
    ($th[] | format_of(.metric) as $f | metric_line(.metric; .actual;
        "\(.op | opname) \(.value | as_format($f))\(if .default then " (default)" else "" end)";
        (if .pass then "✔ pass" else "✘ **FAIL**" end))),
    (range(0; $rows | length) as $i | $rows[$i]
     | (if $i == 0 or $rows[$i - 1].group != .group then "| **\(.group | cell)** | | | | |" else empty end),
       metric_line(.path; .value; "—"; "")),
    "";

# ---- Plots ------------------------------------------------------------------------------
def plots:
  "## Plots",
  "",
  "Shaded bands are the fault windows above, with the same labels (F1, F2, ...) and colours; the dashed grey line is the end of the load, the dotted green line the moment every node held the same data.",
  "",
  (([["latency", "Latency of every operation",
     "Each dot is one operation (mm-check samples evenly if there are more than 50,000): filled dots are writes, rings are reads; blue/green = ok, orange = info (timed out, outcome unknown), red = failed. Log scale: each grid line is 10x."],
    ["throughput", "Throughput",
     "Successful writes and reads per second, and failed and unknown-outcome (info) writes per second, per \($bw) s bucket."],
    ["lag", "Replication lag",
     "How far behind each follower's copy of each origin's writes was (origin → follower): the time since the origin had what the follower had then, interpolated between status samples (docs/metrics.md). 0 means caught up."
     + (if $lag_gaps == "" then "" else " No lag points for \($lag_gaps | md): that follower had not caught up with those writes when status sampling stopped, so its lag there is unknown, and at least the time left until sampling stopped." end)],
    ["stale", "Stale-read fraction",
     "Share of successful reads in each \($bw) s bucket that returned a value older than a write already acknowledged when the read began."]
   ] + (if $spacetime == "" then [] else
     [["spacetime", "Space-time diagram",
       "One vertical line per node, time running down (\($spacetime | split(" ")[0] | sub("window="; "") | md)). Blue arrows are packs of replicated writes, from the moment a node sent one to the moment another applied it, labelled with the (stamp, origin) of the last write they carried; red ones decided an LWW conflict, and a red cross marks the write LWW discarded; green arrows are client writes; an orange diamond is a pack that pushed the node's hybrid logical clock ahead of its own clock. Drawn from the nodes' traces by experiments/spacetime, which also wrote spacetime.svg for slides."]] end)
   )[] | "### \(.[1])", "", "![\(.[1])](\(.[0]).png)", "", .[2], "");

# ---- Witnesses ------------------------------------------------------------------------
# Keys and values (k17=c3.42) become code spans, so a reader can grep them.
def highlight_kv:
  "\\bk[0-9]+=[^ ,;:()]*[^ ,;:().]" as $re
  | [splits($re)] as $parts
  | [match($re; "g") | .string] as $kvs
  | reduce range(0; $kvs | length) as $i
      ($parts[0] | md; . + ($kvs[$i] | code) + ($parts[$i + 1] | md));

# The kinds of anomaly: those of experiments/report-witnesses.tsv, then any
# other key of summary.json's witnesses, under its own name.
def witness_kinds:
  (tsv($witnesses_tsv) | map({key: .[0], path: .[1], kind: .[2], title: .[3], meaning: .[4], short: .[5]})) as $known
  | $known + [(.witnesses // {} | keys_unsorted[]) as $k
      | select($known | any(.key == $k) | not)
      | ($k | gsub("_"; " ")) as $name
      | {key: $k, path: "", kind: "bad", title: (($name[:1] | ascii_upcase) + $name[1:]), meaning: "", short: $name}];

def witnesses:
  . as $s
  | [witness_kinds[] | . as $w
     | (($s.witnesses // {})[$w.key] // []) as $list
     | ($s | lookup($w.path)) as [$present, $v]
     | select($present or ($s.witnesses // {} | has($w.key)))
     | . + {list: ($list | sort_by(.t_s)), total: (($v | scalar) // ($list | length))}] as $kinds
  | "## Witnesses",
    "",
    "Up to 8 concrete examples of each anomaly mm-check found, in time order (lost writes are shown on the worst node, \(.lost_writes.worst_node // "?" | code)).",
    "",
    ([$kinds[] | select(.list == []) | .short]
     | if . == [] then empty else "Not observed in this run: \(join(", ") | md).", "" end),
    ($kinds[] | select(.list != [])
     | "### \(mark(.kind))\(.title | md) — \(.total | count) in total, \(.list[:8] | length) shown",
       "",
       (if .meaning == "" then empty else (.meaning | md), "" end),
       (.list[:8] | to_entries[]
        | "\(.key + 1). \(.value.t_s | fixed(2) + " s" | code) \(.value.text // "" | highlight_kv)"),
       "");

# ---- Nodes and raw files -----------------------------------------------------------------
def nodes:
  . as $s
  | tsv($nodes_tsv) as $rows
  | [$rows[] | .[3] | select(. != "")] as $digests
  | ($digests | group_by(.) | max_by(length) // [] | .[0]) as $common
  | ($digests | unique | length) as $different
  | "## Nodes",
    "",
    (if $digests == [] then "No final dumps were found in final/."
     elif $different == 1 then "All \($digests | length) nodes ended with byte-identical data (same \($hashname) digest of the dump)."
     else "The final dumps differ: \($different) different digests among \($digests | length) nodes (rows that differ from the most common one are marked)." end),
    "",
    "| node | role | final keys | digest (\($hashname) of the dump) | conflicts logged | snapshots taken | lost writes | missing / stale final / reordered |",
    "|---|---|--:|---|--:|--:|--:|--:|",
    ($rows[] | (($s.lost_writes.by_node // {})[.[0]]) as $l
     | "| **\(.[0] | cell)** | \(if .[1] == "" then "?" else .[1] | cell end)"
       + " | \(if .[2] == "" then "n/a" else .[2] | tonumber | count end)"
       + " | \(if .[3] == "" then "✘ no dump" else (.[3][:16] + "…" | code) + (if .[3] != $common then " ✘ differs" else "" end) end)"
       + " | \(if .[4] == "" then "no log" else .[4] | tonumber | count end)"
       + " | \(if (.[5] // "") == "" then "no log" else .[5] | tonumber | count end)"
       + " | \(if $l == null then "n/a" else $l.total | count end)"
       + " | \(if $l == null then "" else "\($l.missing | count) / \($l.stale_final | count) / \($l.realtime_reordered | count)" end) |"),
    "",
    "Conflicts logged: LWW conflicts the node resolved (lines with `event=conflict` in its log). Snapshots taken: copies of a master's data the node installed because it came back behind that master's truncated log (`event=snapshot_installed`). Lost writes: acknowledged writes this node's final state cannot hold (see the witnesses).",
    "";

def raw_files:
  "## Raw files",
  "",
  "| file | size | what it holds |",
  "|---|--:|---|",
  (tsv($raw_tsv)[] | "| [\(.[0] | code)](\(.[0])) | \(.[1]) | \(.[2] | cell) |"),
  "";

def footer:
  "---",
  "",
  "Written by `experiments/report` on \($written). Regenerate with \("experiments/report \($dir)" | code). report.html is rendered from [report.md](report.md).";

[header, faults, glance, howto, metrics, plots, witnesses, nodes, raw_files, footer] | lines
