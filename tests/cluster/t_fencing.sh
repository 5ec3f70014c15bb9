# Fencing without holes: a primary that has heard of a newer epoch, or that
# cannot confirm it is still the primary, refuses every write, whether the
# request names an epoch or not (mmctl and mm-load send epoch 0, "any").
# The partitioned old primary: cut p1 from s1, s2 and r1, promote s1 by
# hand (s2 confirms its writes); once p1's lease runs out it refuses
# epoch-0 writes, and after the heal it hears epoch 2 and demotes itself.
. "$(dirname "$0")/lib.sh"
mk_cluster 3 1 layout=primary-standby ack=standby ack_timeout_ms=300 liveness=10
cluster up >/dev/null
role() { mmctl --node "$1" status | sed -n 's/^role=//p'; }

mmctl --node p1 put a 1 >/dev/null || fail "p1 refused a write with its standby attached"

# A client that names a newer epoch tells p1 it was replaced.
out=$(mmctl --node p1 --epoch 7 put b 1 2>&1) && fail "p1 took a write of epoch 7"
out=$(mmctl --node p1 put c 1 2>&1) && fail "p1 took an epoch-0 write after hearing of epoch 7"
[[ $out == *"has heard of epoch 7"* ]] || fail "unclear refusal after a newer epoch: $out"
say "after a request of epoch 7: ${out#mmctl: put: }"
cluster kill p1 >/dev/null
cluster start p1 >/dev/null
for i in $(seq 1 50); do mmctl --node p1 put d 1 >/dev/null 2>&1 && break; sleep 0.1; done
mmctl --node p1 put e 1 >/dev/null || fail "the restarted p1 (standby attached) refused writes"
say "restarted, p1 hears its standby at epoch 1 again and takes writes"

# The partition: p1 can reach none of s1, s2, r1, and they cannot reach it.
for n in s1 s2 r1; do
    mmctl --node p1 fault drop "$n" both >/dev/null
    mmctl --node "$n" fault drop p1 both >/dev/null
done
mmctl --node s1 promote 2 >/dev/null || fail "s1 could not be promoted"
mmctl --node s1 --epoch 2 status >/dev/null # what the coordinator's beat does
for i in $(seq 1 50); do
    mmctl --node s1 status | grep -qx 'standby_attached=yes' && break
    sleep 0.1
done
mmctl --node s1 put f 2 >/dev/null || fail "the new primary refused a write"
sleep 1.1 # longer than the lease: liveness 10 x heartbeat 50 ms
for e in 0 1; do
    out=$(mmctl --node p1 --epoch $e put g 1 2>&1) && fail "the cut-off old primary took an epoch-$e write"
done
out=$(mmctl --node p1 put g 1 2>&1) || true
[[ $out == *"cannot confirm it is still the primary"* ]] || fail "unclear refusal: $out"
say "cut off, after the lease: ${out#mmctl: put: }"
[ "$(mmctl --node p1 status | sed -n 's/^writes_unprotected=//p')" = 0 ] ||
    fail "p1 acknowledged writes nobody could confirm"

for n in p1 s1 s2 r1; do mmctl --node "$n" fault heal >/dev/null; done
for i in $(seq 1 50); do [ "$(role p1)" = standby ] && break; sleep 0.1; done
[ "$(role p1)" = standby ] || fail "after the heal p1 did not demote itself (role $(role p1))"
mmctl --node s1 get g >/dev/null 2>&1 && fail "a write the old primary refused reached the new one"
say "healed: p1 heard epoch 2, demoted itself; nothing it refused exists"
wait_converged 10
