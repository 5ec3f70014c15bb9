# kill -9 a replica under load and restart it: it catches up with no
# missing write.
. "$(dirname "$0")/lib.sh"
mk_cluster 2 2
cluster up >/dev/null
"$MM_BIN/mm-load" --config "$CFG" --clients 4 --inflight 8 --keys 5000 \
    --duration 6 --history "$DIR/history.jsonl" --quiet >/dev/null &
load=$!
sleep 1.5
cluster kill r1
say "killed r1 (kill -9)"
sleep 2
cluster start r1
say "restarted r1"
wait $load
wait_converged 10
every_node_has_all "$DIR/history.jsonl"
mmctl --node r1 dump >"$DIR/r1.dump"
verify_lww "$DIR/history.jsonl" "$DIR/r1.dump"
