# kill -9 the primary under write load through the coordinator: the
# coordinator detects it, promotes the standby, and writes resume; no
# acknowledged write is lost; the restarted old primary is fenced.
. "$(dirname "$0")/lib.sh"
DIR=$(mktemp -d /tmp/mmlab-test.XXXXXX)
CFG=$DIR/none.ini
trap 'rm -rf "$DIR"' EXIT
"$top/experiments/failover" --trials 2 --alone 0 --out "$DIR/fo" >"$DIR/out.txt"
sed 's/^/  /' "$DIR/out.txt"
while read -r detect promote unavail lost; do
    [ "$lost" = 0 ] || fail "$lost acknowledged writes lost in a failover"
    [ "$detect" != - ] && [ "$promote" != - ] || fail "no detection or promotion in the coordinator log"
    [ "$unavail" -lt 3000 ] || fail "writes stopped for $unavail ms"
done <"$DIR/fo/standby.txt"
for t in 1 2; do
    grep -q "phase=promoted" "$DIR/fo/standby-$t/data/coordinator.log" ||
        fail "trial $t: no promotion logged"
    grep -q "phase=fenced" "$DIR/fo/standby-$t/data/coordinator.log" ||
        grep -q "event=demote" "$DIR/fo/standby-$t/data/p1.log" ||
        fail "trial $t: the old primary was never fenced"
done
say "the old primary was fenced in every trial"
