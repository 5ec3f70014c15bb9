#!/usr/bin/env bash
# t_coordinator.sh - the coordinator spreads reads over the replicas, takes a
# frozen replica out of rotation and brings it back once it answers again,
# and does the same with a replica that stops following (max_lag).
. "$(dirname "$0")/lib.sh"
command -v redis-cli >/dev/null || { say "skip: no redis-cli (apt install redis-tools)"; exit 0; }

mk_cluster 2 2 coordinator=1 coord.heartbeat_ms=50 coord.missed=3 \
    coord.max_lag=100
cluster up >/dev/null
port=$(sed -n 's/^resp = 127.0.0.1://p' "$CFG")
reads() { mmctl --node "$1" status | sed -n 's/^reads=//p'; }
# Reads for 200 GETs; prints "r1 r2 m1 m2" deltas.
spread() {
    local b1 b2 b3 b4
    b1=$(reads r1) b2=$(reads r2) b3=$(reads m1) b4=$(reads m2)
    for i in $(seq 1 200); do echo "GET k$((i % 10))"; done |
        redis-cli -p "$port" >/dev/null
    echo $(( $(reads r1) - b1 )) $(( $(reads r2) - b2 )) \
         $(( $(reads m1) - b3 )) $(( $(reads m2) - b4 ))
}

redis-cli -p "$port" SET k1 v >/dev/null
read -r a b c d <<<"$(spread)"
say "200 reads: r1=$a r2=$b m1=$c m2=$d"
[ "$a" -ge 80 ] && [ "$b" -ge 80 ] || fail "reads are not spread over r1 and r2"
[ $((c + d)) -eq 0 ] || fail "reads went to masters while replicas were up"

cluster pause r2
sleep 0.5 # 3 missed beats of 50 ms, with margin
grep -q "event=node_down target=r2" "$DIR/data/coordinator.log" ||
    fail "the coordinator did not mark r2 down"
read -r a b c d <<<"$(spread)"
say "r2 paused: r1=$a r2=$b m1=$c m2=$d"
[ "$a" -eq 200 ] || fail "reads did not all go to r1 while r2 was paused"

cluster resume r2
sleep 0.5
grep -q "event=node_up target=r2" "$DIR/data/coordinator.log" ||
    fail "the coordinator did not bring r2 back"
read -r a b c d <<<"$(spread)"
say "r2 resumed: r1=$a r2=$b m1=$c m2=$d"
[ "$b" -ge 80 ] || fail "r2 did not come back into rotation"

# A replica that answers but stops following (cut from both masters)
# falls more than max_lag records behind and leaves the rotation; once
# healed it catches up and comes back.
mmctl --node r2 fault drop m1 both >/dev/null
mmctl --node r2 fault drop m2 both >/dev/null
for i in $(seq 1 300); do echo "SET lag$i v$i"; done | redis-cli -p "$port" >/dev/null
sleep 0.3
read -r a b c d <<<"$(spread)"
say "r2 cut from the masters, 300 writes behind: r1=$a r2=$b"
[ "$a" -eq 200 ] || fail "a replica that stopped following still got reads"
mmctl --node r2 fault heal >/dev/null
sleep 1
read -r a b c d <<<"$(spread)"
say "r2 healed and caught up: r1=$a r2=$b"
[ "$b" -ge 80 ] || fail "r2 did not come back into rotation after catching up"

# With every replica frozen, reads fall back to the masters.
cluster pause r1
cluster pause r2
sleep 0.5
out=$(redis-cli -p "$port" GET k1)
[ "$out" = v ] || fail "read with no replica up gave '$out'"
cluster resume r1
cluster resume r2
say "no replica up: reads fall back to a master"
