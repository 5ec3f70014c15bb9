# Hostile input costs a node little and never a failover: every socket's
# largest message, a cap on connections per socket, rate-limited log lines
# about bad input, endpoints checked when the cluster file is read, and a
# coordinator that tells a swamped node from a dead one. security = off
# here: the limits hold in both modes, and without keys an attacker gets
# furthest (its connections complete the handshake).
. "$(dirname "$0")/lib.sh"
mk_cluster 2 1 layout=primary-standby ack=standby coordinator=1 \
    max_connections=256
cluster up >/dev/null
endpoint() { mmctl nodes | awk -F'\t' -v n="$1" '$1 == n { print $3 }'; }
peer_of() { sed -n "/^\[node $1\]/,/^\[/ s/^peer = //p" "$CFG"; }
front=$(sed -n '/^\[coordinator\]/,$ s/^client = //p' "$CFG")
rss() { awk '/VmRSS/ { print $2 }' "/proc/$(cat "$DIR/data/$1.pid")/status"; }
flood() { "$MM_BIN/mm-flood" "$@"; }

# A message announced as 2 GiB is refused at its header, on every kind of
# socket: the node's memory does not move while 400 MB are offered.
for t in "p1 $(endpoint p1)" "p1 $(peer_of p1)" "r1 $(endpoint r1)" \
    "coordinator $front"; do
    read -r n ep <<<"$t"
    before=$(rss "$n")
    flood "$ep" --announce 2147483648 --send 400000000 --hold-ms 1500 \
        >"$DIR/big.out" &
    sleep 1
    during=$(rss "$n")
    wait $!
    sent=$(sed -n 's/.*sent=//p' "$DIR/big.out")
    [ "${sent:-0}" -lt 10000000 ] || fail "$n ($ep) read $sent bytes of a 2 GiB message"
    [ $((during - before)) -lt 51200 ] ||
        fail "$n ($ep) grew from $before to $during kB on one oversized message"
    say "$n $ep: 2 GiB announced, it hung up after $sent bytes; RSS $before -> $during kB"
done
mmctl --node p1 put still 1 >/dev/null || fail "p1 stopped serving"

# 20,000 bad frames at a peer socket: a few log lines and a count.
size0=$(stat -c %s "$DIR/data/p1.log")
"$MM_BIN/mm-rawsend" "$(peer_of p1)" --garbage 17 --times 20000 >/dev/null || true
sleep 1.5 # the count of what was suppressed is logged once the second ends
lines=$(grep -c 'event=bad_peer_frame' "$DIR/data/p1.log" || true)
dropped=$(sed -n 's/.*event=bad_peer_frame.*suppressed=\([0-9]*\).*/\1/p' "$DIR/data/p1.log" |
          awk '{ s += $1 } END { print s + 0 }')
grown=$(( $(stat -c %s "$DIR/data/p1.log") - size0 ))
[ "$lines" -le 30 ] || fail "20000 bad frames wrote $lines log lines"
[ $((lines + dropped)) -ge 19000 ] || fail "bad frames: $lines lines and $dropped counted, of 20000"
say "20000 bad peer frames: $lines log lines ($grown bytes), $dropped more counted"

# A flood of 2000 connections that complete the handshake, at the
# primary's client port, under write load through the coordinator: the
# cap refuses what is over it, and nobody fails over.
epoch() { mmctl --node coordinator status | sed -n 's/^epoch=//p'; }
e0=$(epoch)
"$MM_BIN/mm-load" --config "$CFG" --coordinator --clients 4 --duration 8 \
    --quiet --summary "$DIR/load.json" >/dev/null &
load=$!
sleep 1
out=$(flood "$(endpoint p1)" --connections 2000 --hold-ms 2000 --probe "$(endpoint p1)")
wait $load
say "flood: $out"
refused=$(grep -c 'event=connection_refused socket=client .*too many connections' \
    "$DIR/data/p1.log" || true)
[ "$refused" -ge 1 ] || fail "the cap of 256 connections refused nothing"
grep -q 'phase=promot' "$DIR/data/coordinator.log" &&
    fail "the coordinator failed over during a connection flood"
[ "$(epoch)" = "$e0" ] || fail "the epoch moved from $e0 to $(epoch)"
[ "$(mmctl --node p1 status | sed -n 's/^role=//p')" = primary ] ||
    fail "p1 is no longer the primary"
ok=$(sed -n 's/.*"writes_ok":\([0-9]*\).*/\1/p' "$DIR/load.json")
[ "${ok:-0}" -gt 0 ] || fail "no write succeeded during the flood"
say "no failover (epoch $e0), p1 still primary, $ok writes ok; suspect: $(grep -c node_suspect "$DIR/data/coordinator.log" || true)"

# What such a flood did to a primary before (froze it for 400-600 ms),
# made certain: a SIGSTOP of 0.8 s. Its connections stay open, so the
# coordinator holds writes and promotes nobody; a crash (which closes
# them) is still failed over at once (t_failover).
cluster pause p1
sleep 0.8
cluster resume p1
sleep 0.5
grep -q 'phase=promot' "$DIR/data/coordinator.log" &&
    fail "the coordinator failed over a primary frozen for 0.8 s"
grep -q 'event=node_suspect target=p1' "$DIR/data/coordinator.log" ||
    fail "the coordinator did not notice p1's silence"
[ "$(epoch)" = "$e0" ] || fail "the epoch moved from $e0 to $(epoch)"
say "p1 frozen 0.8 s: $(grep -o 'event=node_answers.*' "$DIR/data/coordinator.log" | tail -n 1); no failover"

# Random bytes and bogus greetings at every port: everyone keeps serving.
ports=$(grep -oE '127\.0\.0\.1:[0-9]+' "$CFG" | cut -d: -f2)
for p in $ports; do
    head -c 4096 /dev/urandom >"/dev/tcp/127.0.0.1/$p" 2>/dev/null || true
    printf '\377\0\0\0\0\0\0\0\1\177\3\0BOGUS\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\n' \
        >"/dev/tcp/127.0.0.1/$p" 2>/dev/null || true
done
for n in $(all_nodes) coordinator; do
    mmctl --node "$n" ping >/dev/null || fail "$n stopped answering after random bytes"
done
say "random bytes and bogus greetings at $(wc -w <<<"$ports") ports: all still answer"
py=$(python_with socket)
[ -z "$py" ] || "$py" "$top/tests/cluster/resp_probe.py" "$(resp_port)" hostile

# A port the cluster file cannot mean is refused when the file is read.
sed 's#^client = tcp://127.0.0.1:[0-9]*#client = tcp://127.0.0.1:99999#' "$CFG" >"$DIR/bad.ini"
out=$("$MM_BIN/mm-master" --config "$DIR/bad.ini" --node p1 2>&1) && fail "mm-master took port 99999"
[[ $out == *"bad.ini:"*": client port must be from 1 to 65535, got '99999'"* ]] ||
    fail "unclear error: $out"
say "port 99999 -> ${out#mm-master: }"
