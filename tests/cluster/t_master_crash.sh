# kill -9 a master under load and restart it: every write it acknowledged
# is on every node after convergence.
. "$(dirname "$0")/lib.sh"
mk_cluster 2 2
cluster up >/dev/null
"$MM_BIN/mm-load" --config "$CFG" --clients 4 --inflight 8 --keys 5000 \
    --duration 6 --timeout 500 --history "$DIR/history.jsonl" --quiet \
    >/dev/null &
load=$!
sleep 1.5
cluster kill m1
say "killed m1 (kill -9) after it acknowledged up to seq $(max_acked_seq "$DIR/history.jsonl" m1)"
sleep 2
cluster start m1
say "restarted m1"
wait $load
wait_converged 10
every_node_has_all "$DIR/history.jsonl"
mmctl --node m2 dump >"$DIR/m2.dump"
verify_lww "$DIR/history.jsonl" "$DIR/m2.dump"
