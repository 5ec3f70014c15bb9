# Five masters and a replica, every master taking conflicting writes on the
# same 50 keys: all six nodes converge to the same state, each key holds
# the acknowledged write with the highest (stamp, origin), and every node
# holds every write each master acknowledged.
. "$(dirname "$0")/lib.sh"
mk_cluster 5 1
cluster up >/dev/null
"$MM_BIN/mm-load" --config "$CFG" --clients 10 --inflight 2 --keys 50 \
    --duration 3 --history "$DIR/history.jsonl" --quiet >/dev/null
wait_converged 10
mmctl --node r1 dump >"$DIR/r1.dump"
verify_lww "$DIR/history.jsonl" "$DIR/r1.dump"
every_node_has_all "$DIR/history.jsonl"
