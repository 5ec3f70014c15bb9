# experiments/jq/sweep_figure.jq - the data behind a sweep's figure, from
# its summary.json (experiments/sweep-report draws it with gnuplot).
#
# --arg figure tradeoff: one tab-separated line per design for
#   awk/sweep_labels.awk: name; write availability in faults (%; overall
#   when no run had a fault window) as median, min, max; violations per
#   1,000 ok operations as median, min, max; write throughput. A design
#   without writes is left out.
# --arg figure lines: for plots/sweep_lines.gp, one block per series and
#   metric (blocks separated by two blank lines): a quoted title line, then
#   "x place, median, min, max, x label" per variant of that series; with
#   --arg logy 1, values of zero or below are raised to the axis's bottom.
#   The last line is "#axes YLO YHI XMAX NBLOCKS ZERO" for the driver
#   (ZERO is 1 when a zero was raised to the bottom line).
# --argjson y: the sweep file's y lines ("PATH|label").

include "fmt";

def getp($p):
  reduce ($p | split("."))[] as $k (.;
    if . == null then null
    elif type == "array" then (($k | tonumber? // 0) as $i | if $i < 1 then null else .[$i - 1] end)
    elif type == "object" then .[$k]
    else null end);

# The value at path in an entry: its median, min and max.
def mmm($e; $p): [($e | getp($p)), ($e.spread.min | getp($p)), ($e.spread.max | getp($p))];

def tradeoff:
  . as $s
  | ([.designs[] | select(. != null) | .availability.write_in_faults] | any(. != null)) as $faults
  | (if $faults then "availability.write_in_faults" else "availability.write" end) as $xp
  | .order[] as $v | $s.designs[$v] | select(. != null) as $e
  | mmm($e; $xp) as $x | mmm($e; "violations.per_1k_ops") as $y
  | select($x[0] != null)
  | [$v, ($x | map((. // $x[0]) * 100))[], ($y | map(. // $y[0] // 0))[],
     ($e.throughput.write_ok_per_s // 0)]
  | map(tostring) | join("\t");

def unique_in_order: reduce .[] as $x ([]; if index([$x]) then . else . + [$x] end);

def lines_data:
  . as $s
  | [.order[] | $s.designs[.] | select(. != null)] as $es
  | ($es | map(.knob.x) | unique_in_order) as $xs
  | ($es | map(.knob.series) | unique_in_order) as $series
  | ($y | map(split("|") | {path: .[0], label: (.[1] // .[0])})) as $metrics
  | [$series[] as $ser | $metrics[] as $m
     | {title: ([if ($series | length) > 1 or ($metrics | length) == 1 then $ser else empty end,
                 if ($metrics | length) > 1 then $m.label else empty end]
                | map(select(. != "")) | join(": ") | if . == "" then $m.label else . end),
        rows: [$es[] | select(.knob.series == $ser) as $e
               | mmm($e; $m.path) as $v | select($v[0] != null)
               | {x: (($xs | index([$e.knob.x])) + 1), v: $v, label: $e.knob.x}]}] as $blocks
  | [$blocks[].rows[].v[] | numbers] as $all
  | ([$all[] | select(. > 0)] | min) as $minpos
  | (if $logy == "1" then
       (if $minpos == null then 0.5 else pow(10; ($minpos | log10 | floor)) / 2 end)
     else ([0] + $all | min) end) as $ylo
  | (([$all[]] + [$ylo] | max) as $top
     | if $logy == "1" then ([$top * 3, $ylo * 100] | max)
       else (if $top > $ylo then $top + ($top - $ylo) * 0.15 else $ylo + 1 end) end) as $yhi
  | ($blocks | map(select(.rows != []))) as $drawn
  | ($drawn | to_entries[]
     | (if .key > 0 then "", "" else empty end),
       "\"\(.value.title | gsub("\""; "'"))\"",
       (.value.rows[] | [.x, (.v[] | if $logy == "1" and (. // 0) <= 0 then $ylo else (. // 0) end),
                         .label] | map(tostring) | join("\t"))),
    "#axes \($ylo) \($yhi) \([$xs | length, 1] | max) \($drawn | length)"
    + " \(if $logy == "1" and ($all | any(. <= 0)) then 1 else 0 end)";

if $figure == "tradeoff" then tradeoff else lines_data end
