# The space-time diagram (experiments/spacetime):
#  - on a tiny planted trace with known events it draws exactly the arrows,
#    crosses and diamonds those events call for, with their labels;
#  - too many packs are sampled down to --arrows, keeping the LWW one;
#  - a run without traces gets a clear error;
#  - a real short run (the `spacetime` scenario, traced) has every node's
#    trace, a diagram with packs, LWW losses and HLC jumps, and a report
#    that embeds it.
. "$(dirname "$0")/lib.sh"
DIR=$(mktemp -d /tmp/mmlab-test.XXXXXX)
CFG=$DIR/none.ini
trap 'rm -rf "$DIR"' EXIT
ST=$top/experiments/spacetime

# ---- A planted trace: m1 writes k1 and streams it to m2 and r1; m2 had
# written k1 with a higher stamp, so applying m1's pack discards m1's
# write there; r1's clock is a second behind, so m1's pack pushes its HLC
# ahead of its wall clock; m2's last pack to r1 is never applied.
P=$DIR/planted
mkdir -p "$P/traces"
B=1000000000000
line() { echo "t=$((B + $1 * 1000000)) node=$2 ev=$3 hlc=$4 wall=$5 ${*:6}"; }
{
    line 0 m1 start 0.0 1700000000000 role=master
    line 100 m1 write 1700000000100.0 1700000000100 key=k1 stamp=1700000000100.0@m1 seq=1 won=1
    line 110 m1 send 1700000000100.0 1700000000110 to=m2 n=1 first=1700000000100.0@m1 last=1700000000100.0@m1
    line 120 m1 send 1700000000100.0 1700000000120 to=r1 n=1 first=1700000000100.0@m1 last=1700000000100.0@m1
} >"$P/traces/m1.trace"
{
    line 0 m2 start 0.0 1700000000000 role=master
    line 50 m2 write 1700000000150.0 1700000000050 key=k1 stamp=1700000000150.0@m2 seq=1 won=1
    line 300 m2 lww 1700000000150.0 1700000000300 key=k1 winner=1700000000150.0@m2 loser=1700000000100.0@m1 concurrent=1 via=replication
    line 301 m2 apply 1700000000150.0 1700000000301 from=m1 n=1 applied=1 conflicts=1 first=1700000000100.0@m1 last=1700000000100.0@m1 hlc_before=1700000000150.0
    line 400 m2 send 1700000000150.0 1700000000400 to=r1 n=1 first=1700000000150.0@m2 last=1700000000150.0@m2
} >"$P/traces/m2.trace"
{
    line 0 r1 start 0.0 1699999999000 role=replica
    line 200 r1 apply 1700000000100.0 1699999999200 from=m1 n=1 applied=1 conflicts=0 first=1700000000100.0@m1 last=1700000000100.0@m1 hlc_before=0.0
} >"$P/traces/r1.trace"
# The history gives the time origin and a fault window, 150-250 ms.
{
    echo "{\"t\":$B,\"type\":\"run\",\"event\":\"start\"}"
    echo "{\"t\":$((B + 150000000)),\"type\":\"fault\",\"action\":\"start\",\"id\":1,\"fault\":\"partition\",\"nodes\":[\"m1\",\"m2\"],\"desc\":\"m1|m2 partitioned\"}"
    echo "{\"t\":$((B + 250000000)),\"type\":\"fault\",\"action\":\"stop\",\"id\":1,\"fault\":\"partition\",\"nodes\":[\"m1\",\"m2\"],\"desc\":\"m1|m2 partitioned: healed\"}"
} >"$P/history.jsonl"
"$ST" "$P" --from 0 --seconds 0.6 >/dev/null || fail "spacetime failed on the planted trace"
[ -s "$P/spacetime.svg" ] && [ -s "$P/spacetime.png" ] || fail "no spacetime.svg or .png"
got=$(cut -d' ' -f3- "$P/spacetime.txt")
want="nodes=m1,m2,r1 packs=2 drawn=2 unapplied=1 writes=2 writes_drawn=2 lww=1 lww_drawn=1 hlc_jumps=1 hlc_drawn=1"
[ "$got" = "$want" ] || fail "planted trace: got '$got', want '$want'"
svg=$P/spacetime.svg
# The two packs as arrows, m1 -> m2 in red (it decided a conflict) and
# m1 -> r1 in blue, each labelled with the pair it carried.
for text in '…00100.0@m1 (1 LWW)' '…00100.0@m1' 'k1 …00150.0@m2' 'k1 …00100.0@m1' \
    'LWW k1: …00100.0@m1 lost to …00150.0@m2' 'HLC → …00100.0 (wall …99200)' \
    'F1 m1|m2 partitioned'; do
    grep -qF ">$text" "$svg" || grep -qF "$text<" "$svg" || fail "the diagram has no label '$text'"
done
[ "$(grep -c '>✕<' "$svg")" = 1 ] || fail "the diagram should have one LWW cross"
[ "$(grep -c '>◆<' "$svg")" = 1 ] || fail "the diagram should have one HLC diamond"
say "planted trace: 2 pack arrows (one LWW), 1 lost pack, 2 client writes, 1 LWW cross, 1 HLC jump and the fault band, as planted"

# ---- Sampling: 200 packs m1 -> m2 in one second, the 150th decided a
# conflict; --arrows 10 draws 10 of them, the LWW one among them.
S=$DIR/sampled
mkdir -p "$S/traces"
for i in $(seq 1 200); do
    c=0; [ "$i" = 150 ] && c=1
    line $((i * 5)) m1 send 1700000000000.$i 1700000000000 to=m2 n=1 first=1700000000000.$i@m1 last=1700000000000.$i@m1 >>"$S/traces/m1.trace"
    line $((i * 5 + 1)) m2 apply 1700000000000.$i 1700000000000 from=m1 n=1 applied=1 conflicts=$c first=1700000000000.$i@m1 last=1700000000000.$i@m1 hlc_before=0.0 >>"$S/traces/m2.trace"
done
"$ST" "$S" --from 0 --seconds 1.1 --arrows 10 >/dev/null || fail "spacetime failed on 200 packs"
grep -q ' packs=200 drawn=10 ' "$S/spacetime.txt" || fail "200 packs, --arrows 10: $(cat "$S/spacetime.txt")"
grep -qF '…00000.150@m1 (1 LWW)' "$S/spacetime.svg" || fail "the sample dropped the pack that decided a conflict"
say "sampling: 200 packs drawn as 10, the LWW one kept"

# ---- No traces: a clear error, exit status 2.
mkdir -p "$DIR/untraced"
set +e
"$ST" "$DIR/untraced" 2>"$DIR/err"; rc=$?
set -e
[ $rc = 2 ] || fail "a run without traces gave exit status $rc, not 2"
grep -q 'no traces/\*.trace: run with tracing on' "$DIR/err" || fail "unclear error: $(cat "$DIR/err")"
say "a run without traces: exit 2, '$(cut -c1-70 "$DIR/err")...'"

# ---- A real short run, traced.
R=$DIR/run
"$top/experiments/run" spacetime --duration 4 --quiet --out "$R" >/dev/null ||
    fail "the spacetime scenario missed its thresholds: $(head -n 9 "$R/check.txt")"
for n in m1 m2 r1; do
    grep -q ' ev=apply ' "$R/traces/$n.trace" || fail "$n's trace has no applied pack"
done
grep -q ' ev=send ' "$R/traces/m1.trace" || fail "m1's trace has no pack sent"
grep -q ' ev=write ' "$R/traces/m2.trace" || fail "m2's trace has no client write"
summary=$(cat "$R/spacetime.txt")
num() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$summary"; }
[ "$(num drawn)" -gt 0 ] || fail "no pack arrow drawn: $summary"
[ "$(num lww)" -gt 0 ] || fail "no LWW loss in a partition of two masters writing three keys: $summary"
[ "$(num hlc_jumps)" -gt 0 ] || fail "m2's clock is 300 ms behind, yet no HLC jump: $summary"
grep -q '^### Space-time diagram' "$R/report.md" || fail "the report does not show the diagram"
[ "$(grep -o 'src="data:image/png;base64,' "$R/report.html" | wc -l)" -eq 5 ] ||
    fail "report.html does not embed its 4 plots and the diagram"
say "real run: $summary"
