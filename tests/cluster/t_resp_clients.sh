#!/usr/bin/env bash
# t_resp_clients.sh - real Redis clients against the coordinator in front
# of a primary, a synchronous standby and two replicas: redis-benchmark
# with 2000-byte values and with 64 commands pipelined, redis-cli --pipe
# with 50,000 commands, and redis-py pipelines of 10,000 commands.
. "$(dirname "$0")/lib.sh"
command -v redis-benchmark >/dev/null ||
    { say "skip: no redis-benchmark (apt install redis-tools)"; exit 0; }

# missed=10: on a loaded shared machine a busy node can miss 3 beats of
# 100 ms; this test is about the clients, not about failure detection.
mk_cluster 2 2 layout=primary-standby ack=standby coordinator=1 \
    coord.missed=10
cluster up >/dev/null
port=$(resp_port)

# bench ARGS...: redis-benchmark SET and GET must finish without errors.
bench() {
    local out
    out=$(timeout 120 redis-benchmark -p "$port" -t set,get -q "$@" 2>&1 |
          tr '\r' '\n') || fail "redis-benchmark $* failed: $out"
    grep -qi "error" <<<"$out" && fail "redis-benchmark $* saw errors: $out"
    [ "$(grep -c 'requests per second' <<<"$out")" = 2 ] ||
        fail "redis-benchmark $* did not finish: $out"
    say "redis-benchmark $*: $(grep 'requests per second' <<<"$out" |
        cut -d, -f1 | tr '\n' ' ')"
}
bench -d 2000 -n 2000 -c 10
bench -P 64 -n 100000 -c 20

out=$(seq 1 50000 | awk '{ printf "SET pipe:%d v%d\r\n", $1, $1 }' |
      timeout 120 redis-cli -p "$port" --pipe 2>&1) ||
    fail "redis-cli --pipe did not finish: $out"
grep -q "errors: 0, replies: 50000" <<<"$out" ||
    fail "redis-cli --pipe: $(tail -n 1 <<<"$out")"
say "redis-cli --pipe: 50000 SETs, $(tail -n 1 <<<"$out")"

py=$(python_with redis)
[ -n "$py" ] || fail "no python3 with redis-py (apt install python3-redis)"
timeout 120 "$py" "$top/tests/cluster/redis_py.py" "$port" ||
    fail "redis-py pipelines"
