# Multi-master with synchronous acknowledgements. ack = all: an OK means
# every other master has applied the write, and a master cut off from one
# peer answers "outcome unknown" after ack_timeout_ms instead of OK (the
# write is committed there and reaches the peer after the heal). ack =
# quorum with three masters: one reachable peer is enough, none is not.
. "$(dirname "$0")/lib.sh"
mk_cluster 3 1 ack=all ack_timeout_ms=300
cluster up >/dev/null

# Under load, every acknowledged write of each master is on every other
# master the moment its OK arrives: check the applied vectors right after.
"$MM_BIN/mm-load" --config "$CFG" --write-nodes m1,m2,m3 --clients 6 \
    --inflight 4 --keys 500 --duration 2 --history "$DIR/h1.jsonl" --quiet >/dev/null
for o in m1 m2 m3; do
    want=$(max_acked_seq "$DIR/h1.jsonl" "$o")
    [ "$want" -gt 0 ] || fail "$o acknowledged nothing"
    for p in m1 m2 m3; do
        got=$(applied_of "$p" "$o")
        [ "$got" -ge "$want" ] || fail "$o acknowledged seq $want but $p has $got"
    done
done
say "ack = all: each master's acknowledged writes were on every master"

# One write at a time, each read back from the other masters at once.
for i in $(seq 1 20); do
    mmctl --node m1 put "one$i" "v$i" >/dev/null || fail "put one$i failed"
    for p in m2 m3; do
        [ "$(mmctl --node "$p" get "one$i")" = "v$i" ] ||
            fail "m1 acknowledged one$i before $p had it"
    done
done
say "20 writes to m1: each on m2 and m3 when its OK came back"

# Cut m1 from m3 both ways: m1 cannot hear m3's ACKs any more.
mmctl --node m1 fault drop m3 both >/dev/null
mmctl --node m3 fault drop m1 both >/dev/null
start=$(date +%s%N)
out=$(mmctl --node m1 put cut v 2>&1) && fail "m1 acknowledged a write m3 cannot have"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[[ $out == *"not every other master"*"outcome unknown"* ]] || fail "expected outcome unknown, got: $out"
[ "$ms" -ge 250 ] || fail "the write was answered after $ms ms, before ack_timeout_ms"
say "partitioned from m3: ${out#mmctl: put: } (after $ms ms)"
[ "$(mmctl --node m1 get cut)" = v ] || fail "the unknown write is not committed on m1"
mmctl --node m2 put other v >/dev/null || fail "m2, which hears both peers, refused a write"
say "m2 hears both peers: its writes are still acknowledged"

mmctl --node m1 fault heal >/dev/null
mmctl --node m3 fault heal >/dev/null
for i in $(seq 1 50); do
    [ "$(mmctl --node m3 get cut 2>/dev/null)" = v ] && break
    sleep 0.1
done
[ "$(mmctl --node m3 get cut 2>/dev/null)" = v ] ||
    fail "the write of unknown outcome never reached m3 after the heal"
mmctl --node m1 put healed v >/dev/null || fail "no write acknowledged after the heal"
say "healed: the unknown write reached m3, and m1 acknowledges again"

# The same cluster with ack = quorum: a majority of 3 is m1 and one peer.
cluster down >/dev/null
sed -i 's/^ack = all$/ack = quorum/' "$CFG"
grep -q '^ack = quorum$' "$CFG" || fail "could not switch the cluster to ack = quorum"
cluster up >/dev/null
mmctl --node m1 fault drop m3 both >/dev/null
mmctl --node m3 fault drop m1 both >/dev/null
mmctl --node m1 put q1 v >/dev/null || fail "ack = quorum: m1 and m2 are a majority, yet the write failed"
[ "$(mmctl --node m2 get q1)" = v ] || fail "m1 acknowledged q1 before m2 (its quorum) had it"
say "ack = quorum, m3 cut off: m1 + m2 are a majority, the write is acknowledged"
mmctl --node m1 fault drop m2 both >/dev/null
mmctl --node m2 fault drop m1 both >/dev/null
out=$(mmctl --node m1 put q2 v 2>&1) && fail "m1 alone acknowledged a write under ack = quorum"
[[ $out == *"no majority"*"outcome unknown"* ]] || fail "expected no majority / outcome unknown, got: $out"
say "ack = quorum, m1 cut from both: ${out#mmctl: put: }"
