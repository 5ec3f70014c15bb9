# experiments/jq/fmt.jq - how the report and the index write numbers and
# Markdown text.
#
# Every number a reader sees in report.md or index.md goes through one of
# these functions, so a percentage or a latency reads the same in every
# section. They take null (a metric mm-check could not measure in this run)
# and give "n/a". jq 1.6 has no printf, hence fixed/1.

# fixed(d): the number with exactly d decimals: 0.285 | fixed(2) = "0.29".
def fixed($d):
  if type != "number" then "n/a"
  else
    (if . < 0 then "-" else "" end) as $sign
    | ((if . < 0 then -. else . end) * pow(10; $d) | round | tostring) as $i
    | if $d == 0 then $sign + $i
      else (if ($i | length) <= $d then ("0000000000000000" + $i)[-($d + 1):]
            else $i end) as $p
        | $sign + $p[:-$d] + "." + $p[-$d:]
      end
  end;

# count: a whole number with thousands separators: 22127 -> "22,127".
def count:
  def group: if length <= 3 then . else (.[:-3] | group) + "," + .[-3:] end;
  if type != "number" then "n/a"
  else (round | if . < 0 then "-" + (-. | tostring | group)
                else tostring | group end)
  end;

# pct: a fraction as a percentage, with the decimals that matter near
# 100% and near 0%: 1 -> "100%", 0.9975 -> "99.75%", 0.138 -> "13.8%".
def pct:
  if type != "number" then "n/a"
  else (. * 100) as $x
    | if $x == ($x | round) then ($x | round | tostring) + "%"
      elif $x >= 99 or $x < 1 then ($x | fixed(2)) + "%"
      else ($x | fixed(1)) + "%" end
  end;

# ms: milliseconds, with fewer decimals as the number grows.
def ms:
  if type != "number" then "n/a"
  elif . < 10 then fixed(2) + " ms"
  elif . < 1000 then fixed(1) + " ms"
  else count + " ms" end;

# sig3: about three significant digits, for numbers with no known unit.
def sig3:
  if type != "number" then "n/a"
  elif . == (. | round) then count
  elif (if . < 0 then -. else . end) >= 100 then count
  elif (if . < 0 then -. else . end) >= 10 then fixed(1)
  elif (if . < 0 then -. else . end) >= 1 then fixed(2)
  else fixed(3) end;

# as_format(f): one value in a named format; the formats are those of the
# third column of experiments/report-metrics.tsv.
def as_format($f):
  if type != "number" then "n/a"
  elif $f == "pct" then pct
  elif $f == "ms" then ms
  elif $f == "s" then fixed(2) + " s"
  elif $f == "count" then count
  elif $f == "rate" then count + " /s"
  else sig3 end;

# md: text that Markdown must show as it is (no emphasis, links or HTML).
def md: gsub("(?<c>[\\\\`*\\[\\]<>])"; "\\\(.c)");

# cell: the same, for a table cell (a bare | would end the cell).
def cell: md | gsub("[|]"; "\\|");

# code: text as a Markdown code span, whatever backticks it holds.
def code: if test("`") then "`` " + . + " ``" else "`" + . + "`" end;
