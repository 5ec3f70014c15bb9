#!/usr/bin/env bash
# t_coordinator_reroute.sh - in a multi-master cluster, a write whose home
# master has just crashed goes to the next master at once, before the
# coordinator's failure detector has declared the master down; before,
# the write failed as "not sent" for the whole detection time.
. "$(dirname "$0")/lib.sh"

# A slow failure detector (10 beats of 1 s), so that everything below
# happens while the coordinator still counts m1 as up.
mk_cluster 2 1 coordinator=1 coord.heartbeat_ms=1000 coord.missed=10
cluster up >/dev/null
# Keys whose home is m1: the coordinator's reply names the origin.
keys=()
for i in $(seq 1 40); do
    out=$(mmctl --node coordinator put "r$i" before) || fail "put r$i: $out"
    case $out in *origin=m1*) keys+=("r$i") ;; esac
done
[ ${#keys[@]} -ge 3 ] || fail "only ${#keys[@]} of 40 keys have m1 as home"
say "${#keys[@]} of 40 keys have m1 as their home master"

cluster kill m1
sleep 0.3 # the coordinator's connections to m1 see the reset
for k in "${keys[@]}"; do
    out=$(mmctl --node coordinator --timeout 2000 put "$k" after 2>&1) ||
        fail "write of $k (home m1, just crashed) failed: $out"
    case $out in *origin=m2*) ;; *) fail "write of $k was not taken by m2: $out" ;; esac
done
! grep -q "event=node_down target=m1" "$DIR/data/coordinator.log" ||
    fail "the coordinator had already declared m1 down: the test proves nothing"
say "m1 killed: ${#keys[@]} writes of its keys went to m2 before m1 was declared down"
for k in "${keys[@]}"; do
    [ "$(mmctl --node m2 get "$k" | cut -f1)" = after ] || fail "m2 does not hold $k=after"
done
say "m2 holds every one of them"
