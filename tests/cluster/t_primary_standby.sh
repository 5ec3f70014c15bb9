# Primary and two standbys with ack = standby: writes wait for a standby;
# standbys that stop confirming make writes "outcome unknown", never OK,
# and the replica gets none of those writes until a standby has them;
# with neither standby nor coordinator to confirm it, the primary's lease
# runs out and it refuses writes until a client at its epoch confirms it;
# kill -9 the primary under load and promote a standby: no acknowledged
# write is lost, writes resume on the new primary (confirmed by the other
# standby), stale-epoch writes are refused, and the restarted old primary
# rejoins as a standby that refuses writes and converges to the new
# primary's data. (t_ack_unprotected.sh: the same with degraded mode.)
. "$(dirname "$0")/lib.sh"
# liveness 20 x heartbeat 50 ms: the primary's lease (1 s) outlasts
# ack_timeout_ms, so a write taken right after the standby freezes is held
# and answered "outcome unknown", however slowly this machine runs.
mk_cluster 3 1 layout=primary-standby ack=standby ack_timeout_ms=300 liveness=20
cluster up >/dev/null
role() { mmctl --node "$1" status | sed -n 's/^role=//p'; }
epoch() { mmctl --node "$1" status | sed -n 's/^epoch=//p'; }

out=$(mmctl --node s1 put k v 2>&1) && fail "the standby took a write"
[[ $out == *read-only*"the primary"* ]] || fail "unclear standby refusal: $out"
say "standby refuses writes: ${out#mmctl: put: }"

"$MM_BIN/mm-load" --config "$CFG" --write-nodes p1 --clients 4 --inflight 4 \
    --keys 2000 --duration 2 --history "$DIR/h1.jsonl" --quiet >/dev/null
acked=$(max_acked_seq "$DIR/h1.jsonl" p1)
got=$(applied_of s1 p1)
[ "$got" -ge "$acked" ] || fail "p1 acknowledged seq $acked but s1 has only $got"
say "ack = standby: p1 acknowledged up to seq $acked, s1 holds $got"

# Standbys that stop answering: the write is committed on p1 but never
# confirmed, so the client hears "outcome unknown", not OK.
cluster pause s1
cluster pause s2
out=$(mmctl --node p1 put frozen v 2>&1) && fail "a write was acknowledged with the standby frozen"
[[ $out == *"outcome unknown"* ]] || fail "expected 'outcome unknown', got: $out"
say "standby frozen: ${out#mmctl: put: }"
# Still frozen after the primary's lease ran out: with no standby and no
# coordinator to confirm it is still the primary, p1 refuses writes that
# name no epoch (someone may have promoted s1 meanwhile). A status at its
# epoch confirms it (as the coordinator's heartbeats do): writes are still
# held for a standby (ack_unprotected = no), and the replica does not get
# them, so it never holds a write a promoted standby could lack.
sleep 1.2
out=$(mmctl --node p1 put unconfirmed v 2>&1) && fail "p1 took a write with no standby or client to confirm it"
[[ $out == *"cannot confirm it is still the primary"* ]] || fail "unclear lease refusal: $out"
say "lease ran out: ${out#mmctl: put: }"
mmctl --node p1 --epoch 1 status >/dev/null
st=$(mmctl --node p1 status)
grep -qx 'standby_attached=no' <<<"$st" || fail "p1 still sees a standby attached"
out=$(mmctl --node p1 put held v 2>&1) && fail "a write was acknowledged with no standby attached"
[[ $out == *"outcome unknown"* ]] || fail "expected 'outcome unknown', got: $out"
[ "$(mmctl --node p1 status | sed -n 's/^writes_unprotected=//p')" = 0 ] ||
    fail "p1 counted a write as acknowledged without a standby"
sleep 0.3
out=$(mmctl --node r1 get held 2>&1) && fail "r1 got a write no standby has: $out"
say "no standby attached: writes held and answered outcome unknown; r1 does not get them"
cluster resume s1
cluster resume s2
# A frozen follower's links are reopened after it resumes; on a loaded
# machine (or a sanitizer build) that takes a few seconds.
for i in $(seq 1 150); do mmctl --node r1 get held >/dev/null 2>&1 && break; sleep 0.1; done
[ "$(mmctl --node s1 get held)" = v ] || fail "s1 never got the held write"
[ "$(mmctl --node r1 get held)" = v ] || fail "r1 never got the held write once the standbys had it"
say "standbys back: s1 and r1 got the held write"

# Crash the primary under load, then promote the standby by hand (the
# coordinator does this in production).
"$MM_BIN/mm-load" --config "$CFG" --write-nodes p1 --clients 4 --inflight 4 \
    --keys 2000 --duration 3 --timeout 300 --history "$DIR/h2.jsonl" \
    --quiet >/dev/null &
load=$!
sleep 1
cluster kill p1
say "killed p1 (kill -9) under load"
wait $load
acked=$(max_acked_seq "$DIR/h2.jsonl" p1)
mmctl --node s1 promote 2 >/dev/null
[ "$(role s1)" = primary ] && [ "$(epoch s1)" = 2 ] || fail "s1 was not promoted"
got=$(applied_of s1 p1)
[ "$got" -ge "$acked" ] || fail "p1 acknowledged seq $acked before it died but s1 has only $got"
say "promoted s1 to epoch 2: it holds every write p1 acknowledged (seq $acked, has $got)"
mmctl --node s1 --epoch 2 status >/dev/null # what the coordinator's beat does
for i in $(seq 1 50); do
    mmctl --node s1 status | grep -qx 'standby_attached=yes' && break
    sleep 0.1
done
mmctl --node s1 put after failover >/dev/null ||
    fail "the new primary refused a write (s2 should confirm it)"
[ "$(mmctl --node s2 get after)" = failover ] || fail "s2 does not hold the new primary's write"
say "s2 follows the new primary and confirms its writes"
out=$(mmctl --node s1 --epoch 1 put k v 2>&1) && fail "a write from epoch 1 was accepted"
[[ $out == *"stale request"* ]] || fail "unclear stale-epoch refusal: $out"
say "epoch 1 write refused: ${out#mmctl: put: }"

cluster start p1
for i in $(seq 1 50); do [ "$(role p1)" = standby ] && break; sleep 0.1; done
[ "$(role p1)" = standby ] && [ "$(epoch p1)" = 2 ] ||
    fail "the old primary did not rejoin as a standby of epoch 2 (role $(role p1), epoch $(epoch p1))"
out=$(mmctl --node p1 put k v 2>&1) && fail "the old primary took a write"
say "old primary rejoined as a standby of epoch 2 and refuses writes"
grep -q "event=demote" "$DIR/data/p1.log" || fail "p1 did not log its demotion"
out=$(mmctl --node p1 demote 3 2>&1) && fail "a standby accepted DEMOTE"
[[ $out == *"already a standby"* ]] || fail "unclear DEMOTE refusal: $out"
[ "$(role s1)" = primary ] || fail "a DEMOTE sent to the standby unseated the primary"
wait_converged 10
mmctl --node r1 dump >"$DIR/r1.dump"
cat "$DIR/h1.jsonl" "$DIR/h2.jsonl" >"$DIR/h.jsonl"
verify_lww "$DIR/h.jsonl" "$DIR/r1.dump"
