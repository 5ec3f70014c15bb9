# ack = standby with ack_unprotected = yes (degraded mode, the old default):
# with the standby frozen past liveness, the primary acknowledges writes
# without it, counts them in writes_unprotected, and feeds them to the
# replica at once. If the primary then dies and the standby is promoted,
# the acknowledged write is lost on the new primary while the replica
# still holds it: the divergence strict mode (t_primary_standby.sh)
# prevents. This is the price the key's documentation names.
. "$(dirname "$0")/lib.sh"
mk_cluster 2 1 layout=primary-standby ack=standby ack_timeout_ms=300 \
    liveness=20 ack_unprotected=yes
cluster up >/dev/null
mmctl --node p1 put before v >/dev/null || fail "p1 refused a write with s1 attached"
[ "$(mmctl --node p1 status | sed -n 's/^writes_unprotected=//p')" = 0 ] ||
    fail "a write confirmed by s1 was counted as unprotected"

cluster pause s1
sleep 1.2 # past liveness x heartbeat: s1 no longer counts as attached
mmctl --node p1 --epoch 1 status >/dev/null # renews p1's lease
st=$(mmctl --node p1 status)
grep -qx 'sync_standby=no' <<<"$st" || fail "p1 still waits for a standby: $st"
mmctl --node p1 put degraded v >/dev/null || fail "no write accepted in degraded mode"
[ "$(mmctl --node p1 status | sed -n 's/^writes_unprotected=//p')" -ge 1 ] ||
    fail "the write acknowledged without a standby was not counted"
for i in $(seq 1 50); do mmctl --node r1 get degraded >/dev/null 2>&1 && break; sleep 0.1; done
[ "$(mmctl --node r1 get degraded)" = v ] || fail "r1 did not get the degraded-mode write"
say "degraded mode: the write was acknowledged, counted unprotected, and r1 has it"

cluster kill p1
cluster resume s1
mmctl --node s1 promote 2 >/dev/null
out=$(mmctl --node s1 get degraded 2>&1) && fail "s1 has the write after all: $out"
[ "$(mmctl --node r1 get degraded)" = v ] || fail "r1 lost the write"
say "p1 died: promoted s1 lacks the acknowledged write, r1 still holds it (diverged)"
