# Fault injection without root: a partition stops replication both ways and
# heals without loss; a slow link delays a follower by the set time; a
# clock offset moves the node's stamps; bad fault commands are refused.
. "$(dirname "$0")/lib.sh"
mk_cluster 2 1
cluster up >/dev/null

mmctl --node m1 fault drop m2 both >/dev/null
mmctl --node m2 fault drop m1 both >/dev/null
mmctl --node m1 put cut one >/dev/null
mmctl --node m2 put cut two >/dev/null
sleep 0.5
[ "$(mmctl --node m1 get cut)" = one ] || fail "m1 saw m2's write through a partition"
[ "$(mmctl --node m2 get cut)" = two ] || fail "m2 saw m1's write through a partition"
mmctl --node m1 status | grep -q '^faults=drop:m2:both$' || fail "status does not show the partition"
say "partitioned: m1 holds cut=one, m2 holds cut=two"
mmctl --node m1 fault heal >/dev/null
mmctl --node m2 fault heal >/dev/null
wait_converged 5
w=$(mmctl --node m1 get cut)
[ "$(mmctl --node m2 get cut)" = "$w" ] || fail "m1 and m2 disagree after the heal"
say "healed: both hold cut=$w (LWW picked the higher stamp)"

mmctl --node m1 fault delay r1 400 >/dev/null
mmctl --node m1 put slow v >/dev/null
sleep 0.15
if mmctl --node r1 get slow >/dev/null 2>&1; then
    fail "r1 had a write 150 ms after it was made, through a 400 ms delay"
fi
sleep 0.5
[ "$(mmctl --node r1 get slow)" = v ] || fail "r1 never got the delayed write"
say "delay 400 ms: r1 lacked the write at 150 ms and had it at 650 ms"
mmctl --node m1 fault heal >/dev/null

before=$(mmctl --node m2 put t 1 | sed 's/.*stamp=\([0-9]*\).*/\1/')
mmctl --node m2 fault clock 60000 >/dev/null
after=$(mmctl --node m2 put t 2 | sed 's/.*stamp=\([0-9]*\).*/\1/')
ahead=$((after - before))
[ $ahead -ge 59000 ] && [ $ahead -lt 70000 ] || fail "clock +60000 moved stamps by $ahead ms"
say "clock +60000: stamps jumped $ahead ms"

for bad in "clock abc" "clock 99999999999" "drop m2" "drop nobody both" "delay m2 -5" "heal now" "explode"; do
    # shellcheck disable=SC2086
    if out=$(mmctl --node m1 fault $bad 2>&1); then
        fail "fault $bad was accepted"
    fi
    [[ $out == *"use drop PEER"* || $out == *"needs another node"* ]] ||
        fail "fault $bad: unclear error: $out"
done
say "bad fault commands refused with a usage message; m1 still answers: $(mmctl --node m1 ping)"
