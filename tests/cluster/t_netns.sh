# Nodes on hosts of their own (experiments/netns, placement=netns):
#  - the skip path: without root, without nft or without ip, the
#    netns-partition scenario exits 3 and says why, having started nothing;
#  - a lab touches nothing of the machine's own network (links, routes,
#    firewall), has no route out, and is removed whole by `down`;
#  - where this machine can run it (root, iproute2, nftables), the
#    netns-partition scenario, shortened, shows what the in-process
#    partition shows: writes go on on both sides, reads go stale, the
#    nodes converge after the heal; its report names the mechanism, and
#    its namespaces are gone afterwards.
. "$(dirname "$0")/lib.sh"
DIR=$(mktemp -d /tmp/mmlab-test.XXXXXX)
CFG=$DIR/none.ini
trap 'rm -rf "$DIR"' EXIT
RUN=$top/experiments/run
NETNS=$top/experiments/netns
chmod 755 "$DIR"

# skipped_because OUT WHAT: the run printed "skipped: ..." naming WHAT,
# exited 3, and made no run directory.
expect_skip() { # expect_skip RC OUTFILE PATTERN RUNDIR
    [ "$1" = 3 ] || fail "expected exit status 3 (skipped), got $1: $(cat "$2")"
    grep -q "^run: netns-partition skipped: .*$3" "$2" || fail "no clear reason: $(cat "$2")"
    [ ! -e "$4" ] || fail "a skipped run made $4"
}

# ---- Without root.
set +e
if [ "$(id -u)" = 0 ]; then
    mkdir -m 777 "$DIR/nobody"
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        env HOME="$DIR/nobody" "$RUN" netns-partition --out "$DIR/nobody/run" >"$DIR/out" 2>&1
else
    "$RUN" netns-partition --out "$DIR/nobody/run" >"$DIR/out" 2>&1
fi
rc=$?
set -e
expect_skip $rc "$DIR/out" "needs root" "$DIR/nobody/run"
say "without root: skipped, '$(cat "$DIR/out")'"

if [ "$(id -u)" = 0 ]; then
    # ---- Without nft, then without ip: a PATH holding every tool but it.
    for tool in nft ip; do
        p=$DIR/path-$tool
        mkdir -p "$p"
        # The first of a name wins, as on PATH; /bin and /sbin are links
        # to these on Debian 12.
        for f in /usr/local/bin/* /usr/local/sbin/* /usr/bin/* /usr/sbin/*; do
            [ "$(basename "$f")" = "$tool" ] || ln -s "$f" "$p/" 2>/dev/null || true
        done
        set +e
        PATH=$p "$RUN" netns-partition --out "$DIR/no-$tool" >"$DIR/out" 2>&1
        rc=$?
        set -e
        case $tool in nft) want="needs nft (Debian package nftables" ;; ip) want="needs ip (Debian package iproute2)" ;; esac
        expect_skip $rc "$DIR/out" "$want" "$DIR/no-$tool"
        say "without $tool: skipped, '$(cat "$DIR/out")'"
    done
fi

if ! reason=$("$NETNS" check 2>&1); then
    say "skipped: a real netns run needs what this machine lacks: $reason"
    exit 0
fi

# ---- A lab leaves the machine's own network as it was.
host_net() { ip -o link show | sed 's/ qdisc.*//'; ip route show; ip -6 route show; nft list ruleset; }
host_net >"$DIR/before"
lab=mmtest$$
"$top/experiments/mkcluster" "$DIR/lab.ini" "$DIR/lab" 2 1 placement=netns coordinator=1
"$NETNS" up "$DIR/lab.ini" "$lab" || fail "netns up failed"
[ "$(ip netns list | grep -c "^$lab-")" = 5 ] || fail "expected 5 namespaces: $(ip netns list | grep "^$lab-")"
for n in m1 m2 r1 coordinator net; do
    ! ip -n "$lab-$n" route show | grep -q '^default' || fail "$lab-$n has a route out"
done
ip -n "$lab-m2" -4 -o addr show dev eth0 | grep -q ' 10\.77\.0\.2/24 ' || fail "m2 is not at 10.77.0.2"
host_net >"$DIR/during"
diff "$DIR/before" "$DIR/during" >&2 || fail "the lab changed the machine's own links, routes or firewall (above)"
# Without the lab, experiments/cluster refuses the file: nothing is sent
# to its addresses from the machine's own network.
set +e
"$top/experiments/cluster" status "$DIR/lab.ini" >"$DIR/out" 2>&1; rc=$?
set -e
[ $rc != 0 ] && grep -q 'MM_NETNS=LAB' "$DIR/out" || fail "cluster talked to a netns file from outside: $(cat "$DIR/out")"
"$NETNS" down "$DIR/lab.ini" "$lab"
[ -z "$(ip netns list | grep "^$lab-")" ] || fail "netns down left $(ip netns list | grep "^$lab-")"
host_net >"$DIR/after"
diff "$DIR/before" "$DIR/after" >&2 || fail "the machine's own network differs after the lab (above)"
say "a lab: 5 namespaces, no route out, the machine's links, routes and rules untouched, all gone after down"

# ---- The partition lab on hosts of their own, shortened like the
# in-process one in t_scenarios.sh.
sed 's/^faults=.*/faults=("2 6 partition m1 m2")/' \
    "$top/experiments/scenarios/netns-partition.scn" >"$DIR/netns-partition.scn"
"$RUN" "$DIR/netns-partition.scn" --duration 8 --seed 3 --quiet --out "$DIR/run" >/dev/null ||
    fail "netns-partition missed its thresholds: $(head -n 9 "$DIR/run/check.txt")"
metric() { jq -r "$1" "$DIR/run/summary.json"; }
a=$(metric .availability.write_in_faults)
st=$(metric .stale_reads.count)
conv=$(metric .convergence_ms)
awk -v a="$a" 'BEGIN { exit !(a >= 0.99) }' || fail "write availability in the partition $a < 0.99"
[ "$st" -gt 0 ] || fail "no stale reads during a partition"
[ "$conv" != null ] || fail "no convergence after the heal"
grep -q '"fault":"partition".*"via":"nftables"' "$DIR/run/history.jsonl" || fail "the history does not say the cut was made with nftables"
grep -q '^- \*\*Placement:\*\* netns: ' "$DIR/run/report.md" || fail "the report does not say where the nodes ran"
grep -q '^  - partition, oneway, isolate: nftables drop rules' "$DIR/run/report.md" || fail "the report does not name the fault mechanism"
grep -q 'tcp://10\.77\.0\.1:7100' "$DIR/run/cluster.ini" || fail "m1 was not on its own address"
run_lab=$(sed -n 's/.*namespace (\(mm[0-9]*\)-NODE).*/\1/p' "$DIR/run/placement")
[ -n "$run_lab" ] && [ -z "$(ip netns list | grep "^$run_lab-")" ] || fail "the run left namespaces of lab '$run_lab'"
say "netns partition: write availability in fault $a, $st stale reads, converged ${conv} ms after heal; lab $run_lab removed"
