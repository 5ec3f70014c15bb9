# durability = sync with ack = all: a follower's ACK counts only what its
# own fsync covers, so a write that m1 acknowledged (after m2's ACK) is on
# m2's disk. kill -9 m2 under load, then m1 too, and restart m2 alone: it
# holds every write m1 acknowledged, with nobody to copy them from.
. "$(dirname "$0")/lib.sh"
mk_cluster 2 0 durability=sync ack=all ack_timeout_ms=300
cluster up >/dev/null

"$MM_BIN/mm-load" --config "$CFG" --write-nodes m1 --clients 4 --inflight 8 \
    --keys 2000 --duration 3 --timeout 500 --history "$DIR/history.jsonl" \
    --quiet >/dev/null &
load=$!
sleep 1.5
cluster kill m2
cluster kill m1
wait $load
acked=$(max_acked_seq "$DIR/history.jsonl" m1)
[ "$acked" -gt 0 ] || fail "m1 acknowledged nothing"
say "killed m2, then m1 (kill -9) under load; m1 had acknowledged up to seq $acked"

cluster start m2
holds_acked m2 m1 "$DIR/history.jsonl"
