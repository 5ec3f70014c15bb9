# durability = sync with group commit: a master answers a write only after
# the fsync that covers it, so kill -9 under a pipelined load, right while
# replies are flowing, loses no acknowledged write. And the grouping is
# real: the master's log flushes (fsyncs) are fewer than its commits.
. "$(dirname "$0")/lib.sh"
mk_cluster 2 1 durability=sync
cluster up >/dev/null

# Many writes in flight from several clients, all to m1, so that batches
# commit while an fsync is running and the next fsync covers them all.
"$MM_BIN/mm-load" --config "$CFG" --write-nodes m1 --clients 8 --inflight 8 \
    --keys 2000 --duration 4 --timeout 500 --history "$DIR/history.jsonl" \
    --quiet >/dev/null &
load=$!
sleep 1.5
st=$(mmctl --node m1 status)
commits=$(sed -n 's/^commits=//p' <<<"$st")
flushes=$(sed -n 's/^log_flushes=//p' <<<"$st")
cluster kill m1
# m1 is dead: every OK it sent is in the history once mm-load has ended.
wait $load
acked=$(max_acked_seq "$DIR/history.jsonl" m1)
say "killed m1 (kill -9) under load; it had acknowledged up to seq $acked"
[ "$acked" -gt 0 ] || fail "m1 acknowledged nothing before the kill"
[ "${flushes:-0}" -gt 0 ] || fail "m1 reported no log flushes in sync mode"
[ "$flushes" -lt "$commits" ] ||
    fail "m1 made $flushes log flushes for $commits commits: no grouping"
say "m1 made $flushes log flushes for $commits commits"

# Every write m1 acknowledged was on its disk: after the restart m1 holds
# it by itself (a writer never takes its own origin back from others).
cluster start m1
holds_acked m1 m1 "$DIR/history.jsonl"

# m1 streamed only durable writes: had a follower got a write the crash
# took back, m1 would now give its seq to another write, which that
# follower would skip as a duplicate, and they would never converge.
"$MM_BIN/mm-load" --config "$CFG" --write-nodes m1 --clients 2 --inflight 8 \
    --keys 2000 --duration 1 --seed 2 --quiet >/dev/null
wait_converged 10
every_node_has_all "$DIR/history.jsonl"

# Reads on a sync writer wait for its own writes to be durable, and work.
mmctl --node m1 put sk sv >/dev/null || fail "put sk failed"
[ "$(mmctl --node m1 get sk)" = sv ] || fail "m1 does not read back sk"
say "a write to m1 reads back at once"
