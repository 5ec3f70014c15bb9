# After a snapshot a node holds writes it has no log entries of; restarted,
# it must still stamp above them (HLC). m1's clock runs 5 s ahead; m2 is
# away while m1 writes past log_retain, comes back with a snapshot, and is
# restarted before m1 writes again. m2's next write to a key m1 wrote must
# win: its stamp has to come from the data, since the log has none of m1's.
. "$(dirname "$0")/lib.sh"
mk_cluster 2 0 log_retain=100 m1.clock_offset_ms=5000
cluster up >/dev/null
field() { mmctl --node "$1" status | sed -n "s/^$2=//p"; }

cluster kill m2
"$MM_BIN/mm-load" --config "$CFG" --clients 2 --inflight 8 --keys 500 \
    --ops 3000 --write-nodes m1 --quiet >/dev/null
mmctl --node m1 put hot from-m1 >/dev/null
cluster start m2
wait_converged 10
[ "$(field m2 snapshots_received)" -ge 1 ] || fail "m2 caught up without a snapshot"
cluster stop m2
cluster start m2
wait_converged 10
out=$(mmctl --node m2 put hot from-m2)
say "m2, restarted after its snapshot: $out"
v=$(mmctl --node m2 get hot)
case $v in
from-m2*) say "m2's write won: it was stamped above m1's ($v)" ;;
*) fail "m2's write lost to m1's older one (got '$v'): its clock started below the data it holds" ;;
esac
