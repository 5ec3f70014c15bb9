# SIGSTOP a master for a few seconds under load, then SIGCONT: the stream
# resumes and nothing is lost.
. "$(dirname "$0")/lib.sh"
mk_cluster 2 2
cluster up >/dev/null
"$MM_BIN/mm-load" --config "$CFG" --clients 4 --inflight 8 --keys 5000 \
    --duration 7 --timeout 500 --history "$DIR/history.jsonl" --quiet \
    >/dev/null &
load=$!
sleep 1.5
cluster pause m2
say "paused m2 (SIGSTOP)"
sleep 3
cluster resume m2
say "resumed m2 (SIGCONT)"
wait $load
wait_converged 10
every_node_has_all "$DIR/history.jsonl"
mmctl --node r1 dump >"$DIR/r1.dump"
verify_lww "$DIR/history.jsonl" "$DIR/r1.dump"
