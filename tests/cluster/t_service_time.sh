# The emulated storage cost: with read_service_us = 5000 a node serves at
# most 200 reads/s (each read sleeps 5 ms in its single loop), and with
# write_service_us = 2000 at most 500 writes/s, on every node that applies
# them; STATUS shows the settings. These are upper bounds a sleep
# guarantees, not timings that depend on the machine's speed.
. "$(dirname "$0")/lib.sh"
mk_cluster 1 1 read_service_us=5000 write_service_us=2000
cluster up >/dev/null
st=$(mmctl --node r1 status)
[[ $st == *read_service_us=5000* && $st == *write_service_us=2000* ]] ||
    fail "STATUS does not show the service times"
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }

out=$("$MM_BIN/mm-load" --config "$CFG" --clients 4 --inflight 4 --keys 100 \
      --duration 2 --quiet)
w=$(field write_ok_per_s <<<"$out")
awk -v w="$w" 'BEGIN { exit !(w > 50 && w <= 550) }' ||
    fail "writes at $w/s with write_service_us = 2000 (at most 500/s)"
say "write_service_us = 2000: $w writes/s (bound 500)"

out=$("$MM_BIN/mm-load" --config "$CFG" --clients 4 --inflight 4 --keys 100 \
      --reads 1 --read-nodes r1 --duration 2 --quiet)
r=$(field ops_ok_per_s <<<"$out")
awk -v r="$r" 'BEGIN { exit !(r > 20 && r <= 220) }' ||
    fail "reads at $r/s from r1 with read_service_us = 5000 (at most 200/s)"
say "read_service_us = 5000: $r reads/s from one replica (bound 200)"
