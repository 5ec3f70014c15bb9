#!/usr/bin/env bash
# t_resp.sh - redis-cli and redis-benchmark work unchanged against the
# coordinator's RESP front, with the pool on and off.
. "$(dirname "$0")/lib.sh"
command -v redis-cli >/dev/null || { say "skip: no redis-cli (apt install redis-tools)"; exit 0; }

# eventually WANT CMD...: replicas apply writes asynchronously, so a read
# on a new connection (no read-your-writes token) may trail the write by a
# moment; retry for up to 2 s until CMD prints WANT (lines joined by spaces).
eventually() {
    local want=$1 got i
    shift
    for i in $(seq 1 40); do
        got=$("$@" | tr '\n' ' ')
        [ "$got" = "$want" ] && return 0
        sleep 0.05
    done
    echo "$got"
    return 1
}

run_checks() {
    local port r out
    port=$(sed -n 's/^resp = 127.0.0.1://p' "$CFG")
    r() { redis-cli -p "$port" "$@"; }
    [ "$(r PING)" = PONG ] || fail "PING"
    [ "$(r SET k1 hello)" = OK ] || fail "SET"
    out=$(eventually "hello " r GET k1) || fail "GET after SET gave '$out'"
    # Fresh keys each run: DEL counts keys it overwrote, and a delete of a
    # missing key leaves a tombstone that a later DEL would count.
    local a=$1a b=$1b c=$1c no=$1nosuch
    [ "$(r MSET $a 1 $b 2 $c 3)" = OK ] || fail "MSET"
    out=$(eventually "1 2  3 " r MGET $a $b $no $c) || fail "MGET gave '$out'"
    out=$(eventually "2 " r EXISTS $a $b $no) || fail "EXISTS gave '$out'"
    [ "$(r DEL $a $no)" = 1 ] || fail "DEL"
    out=$(eventually " " r GET $a) || fail "GET after DEL gave '$out'"
    [ "$(r ECHO hi)" = hi ] || fail "ECHO"
    r INCR k1 | grep -q "ERR INCR is not supported: mmlab replicates values with last-writer-wins" ||
        fail "INCR was not refused clearly"
    r MULTI | grep -q "ERR MULTI is not supported" || fail "MULTI"
    r NOSUCH x | grep -q "ERR unknown command 'NOSUCH'" || fail "unknown command"
    r GET | grep -q "wrong number of arguments" || fail "arity"
    # The connection survives errors: several commands on one connection.
    out=$(printf 'INCR x\r\nSET k2 v2\r\nGET k2\r\n' | r | tr '\n' ' ')
    case $out in *"OK v2 "*) ;; *) fail "connection after an error: '$out'" ;; esac
    r INFO replication | grep -q "^role:coordinator" || fail "INFO replication"
    r INFO | grep -q "^node0:name=m1,role=master,state=up" || fail "INFO nodes"
    say "redis-cli: SET GET MSET MGET EXISTS DEL ECHO INFO ok; INCR MULTI refused"
    out=$(redis-benchmark -p "$port" -t set,get $2 -q 2>&1 |
          tr '\r' '\n') || fail "redis-benchmark failed: $out"
    grep -qi "error" <<<"$out" && fail "redis-benchmark saw errors: $out"
    [ "$(grep -c 'requests per second' <<<"$out")" = 2 ] ||
        fail "redis-benchmark did not finish: $out"
    say "redis-benchmark $2: $(grep 'requests per second' <<<"$out" | cut -d, -f1 | tr '\n' ' ')"
    r INFO stats | grep -q "^node_timeouts:0" || fail "node requests timed out"
}

# read_route = ryw: a read on the connection that wrote goes only to a node
# holding that write (the pipelined SET-then-GET check below).
mk_cluster 2 2 coordinator=1 coord.read_route=ryw
cluster up >/dev/null
run_checks one '-n 20000 -c 50 -P 16'
cluster down

say "pool = off"
sed -i 's/^\[coordinator\]$/[coordinator]\npool = off/' "$CFG"
cluster up >/dev/null
# A connection per request costs a TCP and ZMTP handshake each: a lighter
# load, so that no request waits the full second.
run_checks two '-n 2000 -c 10'
redis-cli -p "$(sed -n 's/^resp = 127.0.0.1://p' "$CFG")" INFO replication |
    grep -q "^pool:off" || fail "pool is not off"
