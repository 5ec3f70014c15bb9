# experiments/jq/sweep_summary.jq - a sweep's summary.json, from the
# summaries of its runs: one entry per variant (a design, or a design with
# one knob set), the medians over its trials, their spread, and the
# sweep's expectations checked against the medians.
#
# This is the one place where a sweep's numbers are made. Input (--slurp):
# one object per run, written by experiments/sweep-report:
#   {variant, x, series, trial, seed, rel, summary, extra}
# where summary is the run's summary.json as mm-check wrote it (absent when
# the run left none) and extra holds what the driver read beside it:
# coordinator (failover_ms, detect_ms, or null), conflicts_logged,
# snapshots_installed, cluster
# (the settings of its cluster.ini). Arguments: --arg name, description,
# scenario, command, figure; loads (loadavg.tsv: "TIME<TAB>L1 L5 L15"
# lines) and cores; --argjson order (the variant names, in order) and
# expect (the expectation lines). docs/reports.md defines the derived
# fields.

# ---- Derived fields: what a comparison needs that one run does not hold ---
def nz: if type == "number" then . else 0 end;

# violations: the consistency violations of one run. A write lost to a
# real-time-earlier write is also a real-time inversion, so "lost" counts
# only the writes the final state cannot hold at all (missing, stale
# final) and the inversions count the rest. mm-check versions without
# consistency.realtime_inversions fall back on lost_writes.realtime_reordered.
def violations:
  ((.lost_writes.missing | nz) + (.lost_writes.stale_final | nz)) as $lost
  | (.consistency.realtime_inversions // .lost_writes.realtime_reordered | nz) as $inv
  | (.stale_reads.count | nz) as $stale
  | ((.ryw_violations | nz) + (.monotonic_read_violations | nz)) as $session
  | ([.ops.read.ok, .ops.write.ok, .ops.delete.ok] | map(nz) | add) as $ok
  | ($lost + $inv + $stale + $session) as $total
  | {lost: $lost, inversions: $inv, stale: $stale, session: $session,
     total: $total,
     per_1k_ops: (if $ok > 0 then 1000 * $total / $ok else null end)};

def derived($extra):
  . + {violations: violations,
       coordinator: $extra.coordinator,
       conflicts_logged: $extra.conflicts_logged,
       snapshots_installed: $extra.snapshots_installed,
       cluster: $extra.cluster}
  | .throughput.read_ok_per_s =
      (if (.throughput.ops_ok_per_s | type) == "number"
          and (.throughput.write_ok_per_s | type) == "number"
       then .throughput.ops_ok_per_s - .throughput.write_ok_per_s else null end);

# ---- Aggregation over trials ----------------------------------------------
def median:
  sort | length as $n
  | if $n == 0 then null
    elif $n % 2 == 1 then .[($n - 1) / 2]
    else (.[$n / 2 - 1] + .[$n / 2]) / 2 end;

# agg(f): one value out of the same field of every trial. Numbers are
# reduced by f (median, min or max) over the trials that have one (null
# when none does); objects field by field; arrays element by element (the
# fault windows line up, since every trial runs the same schedule); any
# other value is the first trial's. With $numeric, only numbers are kept.
def agg(f; $numeric):
  map(select(. != null)) as $v
  | if $v == [] then null
    elif ($v | all(type == "number")) then $v | f
    elif ($v | all(type == "object")) then
      reduce ([$v[] | keys_unsorted[]] | unique[]
              | select(($numeric | not) or (. != "witnesses" and . != "thresholds"))) as $k
        ({}; ([$v[] | .[$k]] | agg(f; $numeric)) as $a
             | if $numeric and $a == null then . else . + {($k): $a} end)
    elif ($v | all(type == "array")) then
      [range(0; $v | map(length) | max) as $i | [$v[] | .[$i]] | agg(f; $numeric)]
    elif $numeric then null
    else $v[0] end;

def entry($runs):
  ($runs | map(select(.summary != null))) as $done
  | ($done | map(.extra as $e | .summary | derived($e // {}))) as $sums
  | if $done == [] then null
    else ($sums | agg(median; false))
      + {verdict: (if $done | all(.summary.verdict == "pass") then "pass" else "fail" end),
         knob: {x: $runs[0].x, series: $runs[0].series},
         design: $runs[0].design, options: $runs[0].options,
         spread: {min: ($sums | agg(min; true)), max: ($sums | agg(max; true))},
         trials: [$runs[] | {trial, seed, rel, verdict: (.summary.verdict // "no summary")}]}
    end;

# ---- Expectations ------------------------------------------------------------
# A line is "LEFT OP RIGHT". LEFT is "ENTRY PATH" or a number; RIGHT is a
# number, "ENTRY PATH" or "FACTOR * ENTRY PATH". PATH is dotted; a number
# in it indexes an array from 1 (windows.1 is the first fault window).
def getp($p):
  reduce ($p | split("."))[] as $k (.;
    if . == null then null
    elif type == "array" then (($k | tonumber? // null) as $i
                               | if $i == null or $i < 1 then null else .[$i - 1] end)
    elif type == "object" then .[$k]
    else null end);

def term($designs):
  . as $w
  | if length == 1 then {text: $w[0], value: ($w[0] | tonumber? // null)}
    elif length == 2 then {text: join(" "), entry: $w[0], path: $w[1],
                           value: (($designs[$w[0]] | getp($w[1]) | numbers) // null)}
    elif length == 4 and $w[1] == "*" then
      ($w[0] | tonumber? // null) as $f
      | {text: join(" "), entry: $w[2], path: $w[3], factor: $f,
         value: (($designs[$w[2]] | getp($w[3]) | numbers | select($f != null) | . * $f) // null)}
    else {text: join(" "), value: null, error: "cannot read this term"} end;

def expectation($designs):
  . as $line
  | [splits(" +") | select(. != "")] as $w
  | ([$w | to_entries[] | select(.value | IN("<", "<=", ">", ">=", "==")) | .key] | first) as $at
  | if $at == null then {text: $line, pass: null, error: "no comparison (<, <=, >, >=, ==)"}
    else ($w[:$at] | term($designs)) as $l
      | ($w[$at + 1:] | term($designs)) as $r
      | $w[$at] as $op
      | {text: $line, op: $op, left: $l, right: $r,
         pass: (if $l.value == null or $r.value == null then null
                elif $op == "<" then $l.value < $r.value
                elif $op == "<=" then $l.value <= $r.value
                elif $op == ">" then $l.value > $r.value
                elif $op == ">=" then $l.value >= $r.value
                else $l.value == $r.value end)}
    end;

# ---- The machine ------------------------------------------------------------------
# The 1-minute load average sampled before each run and after the last, and
# the sweep's wall-clock time from the first sample to the last.
def machine:
  ($loads | split("\n") | map(select(length > 0) | split("\t")
     | {t: (.[0] | tonumber), load1: (.[1] | split(" ")[0] | tonumber)})) as $l
  | {cores: ($cores | tonumber? // null),
     loadavg: (if $l == [] then null
               else {samples: ($l | length), median: ($l | map(.load1) | median),
                     max: ($l | map(.load1) | max)} end),
     elapsed_s: (if ($l | length) < 2 then null else $l[-1].t - $l[0].t end)};

# ---- The summary ----------------------------------------------------------------
. as $all
| (reduce $order[] as $v ({};
    . + {($v): entry($all | map(select(.variant == $v)))})) as $designs
| ($expect | map(expectation($designs))) as $checks
| {sweep: $name, description: $description, scenario: $scenario,
   command: $command, figure: $figure}
  + {seed: ($all | map(.seed) | min), trials: ($all | map(.trial) | max)}
  + machine
  + {order: $order,
     verdict: (if $checks | all(.pass == true) then "pass" else "fail" end),
     expectations: $checks,
     designs: $designs}
