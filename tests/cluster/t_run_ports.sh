# A run whose chosen port is taken before its node binds it is not lost:
# experiments/run writes the cluster again on new ports and runs. The
# race is planted: a wrapper mm-freeport hands out, the first time, a
# port that a listener of this test holds. experiments/cluster refuses
# to start a node on it (naming the port), and the run retries once and
# passes. Before the retry a lab check lost whole runs this way, when
# another run's coordinator with pool = off had thousands of outgoing
# connections on the machine's ephemeral ports.
. "$(dirname "$0")/lib.sh"
DIR=$(mktemp -d /tmp/mmlab-test.XXXXXX)
holder=
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$DIR"' EXIT

# A port held by a listener for the whole test.
port=$("$MM_BIN/mm-freeport" 1)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(120)' "$port" &
holder=$!
for i in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

# The programs, but an mm-freeport whose first answer starts with it.
mkdir "$DIR/bin"
for p in "$MM_BIN"/*; do ln -s "$p" "$DIR/bin/"; done
rm "$DIR/bin/mm-freeport"
cat >"$DIR/bin/mm-freeport" <<EOF
#!/usr/bin/env bash
if [ ! -e "$DIR/planted" ]; then
    touch "$DIR/planted"
    echo $port
    "$MM_BIN/mm-freeport" \$((\$1 - 1))
else
    exec "$MM_BIN/mm-freeport" "\$@"
fi
EOF
chmod +x "$DIR/bin/mm-freeport"

MM_BIN=$DIR/bin "$top/experiments/run" baseline --duration 2 --quiet --out "$DIR/run" \
    >"$DIR/out" 2>&1 || fail "the run did not survive a taken port: $(tail -n 5 "$DIR/out")"
grep -q "port $port of m1 is in use by another process" "$DIR/out" ||
    fail "experiments/cluster did not name the taken port: $(cat "$DIR/out")"
grep -q "new ports, try 2 of 3" "$DIR/out" || fail "the run did not say it retried: $(cat "$DIR/out")"
! grep -q "127.0.0.1:$port" "$DIR/run/cluster.ini" || fail "the retried cluster still uses port $port"
[ "$(jq -r .verdict "$DIR/run/summary.json")" = pass ] || fail "the retried run did not pass"
say "m1's port $port taken before it bound: refused with the port named, rebuilt on new ports, the run passed"
