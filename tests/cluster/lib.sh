# tests/cluster/lib.sh - helpers for the cluster tests: real processes on
# 127.0.0.1, free ports, a temporary data directory, and cleanup on exit.
# Sourced by each tests/cluster/t_*.sh.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MM_BIN=${MM_BIN:-$top/build/bin}
export MM_BIN
CLUSTER=$top/experiments/cluster

say() { echo "  $*"; }
fail() { echo "  FAIL: $*" >&2; exit 1; }

# mk_cluster MASTERS REPLICAS [KEY=VALUE ...]: a cluster file with masters
# m1..mN and replicas r1..rM on free ports, in a fresh temporary directory
# (see experiments/mkcluster for KEY=VALUE). Sets CFG and DIR; everything
# is stopped and removed on exit.
mk_cluster() {
    DIR=$(mktemp -d /tmp/mmlab-test.XXXXXX)
    CFG=$DIR/cluster.ini
    trap cleanup EXIT
    "$top/experiments/mkcluster" "$CFG" "$DIR/data" "$1" "$2" name=test \
        heartbeat_ms=50 "${@:3}"
}

cleanup() {
    local rc=$?
    "$CLUSTER" down "$CFG" >/dev/null 2>&1 || true
    # A sanitizer build reports memory and undefined-behaviour errors in the
    # node logs; a node that kept running after one still fails the test.
    if grep -l -E "ERROR: AddressSanitizer|runtime error:" "$DIR"/data/*.log \
        2>/dev/null; then
        echo "  FAIL: sanitizer errors in the node logs above" >&2
        rc=1
    fi
    if [ $rc -ne 0 ] && [ -d "$DIR/data" ]; then
        echo "  --- node logs (last lines) ---" >&2
        for f in "$DIR"/data/*.log; do
            echo "  $f:" >&2; tail -n 8 "$f" | sed 's/^/    /' >&2
        done
    fi
    rm -rf "$DIR"
    exit $rc
}

mmctl() { "$MM_BIN/mmctl" --config "$CFG" "$@"; }
cluster() { "$CLUSTER" "$1" "$CFG" "${@:2}"; }
all_nodes() { mmctl nodes | cut -f1; }

# wait_converged SECONDS: until every node prints the same digest. Prints
# the time it took; fails after SECONDS.
wait_converged() {
    local limit=$1 start now d first same n
    start=$(date +%s%N)
    while :; do
        same=1 first=
        for n in $(all_nodes); do
            d=$(mmctl --node "$n" --timeout 1000 digest 2>/dev/null) || d="x$n"
            [ -z "$first" ] && first=$d
            [ "$d" = "$first" ] || same=0
        done
        now=$(date +%s%N)
        if [ $same = 1 ]; then
            say "converged in $(( (now - start) / 1000000 )) ms (digest ${first:0:16})"
            return 0
        fi
        [ $(( (now - start) / 1000000000 )) -lt "$limit" ] ||
            fail "nodes did not converge within $limit s"
        sleep 0.1
    done
}

# origin_ids: "m1=1,m2=2,..." from the cluster file (ids are positions).
origin_ids() { mmctl nodes | awk -F'\t' '{ printf "%s%s=%d", (NR > 1 ? "," : ""), $1, NR }'; }

# verify_lww HISTORY DUMP: every key's final record must be the
# acknowledged write with the highest (stamp, origin); a higher final pair
# is allowed only where a write of unknown outcome (info) could explain it.
verify_lww() {
    awk -v ids="$(origin_ids)" -F'\t' '
    function field(line, name,   m) {
        if (match(line, "\"" name "\":\"[^\"]*\"")) {
            m = substr(line, RSTART, RLENGTH)
            sub("^\"" name "\":\"", "", m); sub("\"$", "", m); return m
        }
        return ""
    }
    # cmp(a, b) on "ms.logical@origin" strings: -1, 0, 1.
    function cmp(a, b,   pa, pb, x, y) {
        split(a, pa, "[.@]"); split(b, pb, "[.@]")
        for (x = 1; x <= 3; x++) {
            if (pa[x] + 0 < pb[x] + 0) return -1
            if (pa[x] + 0 > pb[x] + 0) return 1
        }
        return 0
    }
    BEGIN { n = split(ids, kv, ","); for (i = 1; i <= n; i++) { split(kv[i], p, "="); id[p[1]] = p[2] } }
    FNR == NR {
        f = field($0, "f"); t = field($0, "type")
        if (f != "write" && f != "delete") next
        k = field($0, "key")
        if (t == "info") { info[k] = 1; next }
        if (t != "ok") next
        pair = field($0, "stamp") "@" id[field($0, "origin")]
        v = f == "delete" ? "\\N" : field($0, "value")
        acked++
        if (!(k in best) || cmp(pair, best[k]) > 0) { best[k] = pair; bestv[k] = v }
        next
    }
    { final[$1] = $3 "@" id[$4]; finalv[$1] = $2 }
    END {
        for (k in best) {
            if (!(k in final)) { print "  missing key " k; bad++; continue }
            c = cmp(final[k], best[k])
            if (c < 0) { print "  " k ": final " final[k] " is older than acknowledged " best[k]; bad++ }
            else if (c == 0 && finalv[k] != bestv[k]) { print "  " k ": value " finalv[k] " != " bestv[k]; bad++ }
            else if (c > 0 && !(k in info)) { print "  " k ": final " final[k] " above every acknowledged write"; bad++ }
        }
        nk = 0; for (k in best) nk++
        printf "  lww check: %d acknowledged writes, %d keys, %d problems\n", acked, nk, bad
        exit bad > 0
    }' "$1" "$2"
}

# max_acked_seq HISTORY NODE: the highest seq NODE acknowledged as origin.
max_acked_seq() {
    awk -v n="$2" '/"type":"ok"/ && /"f":"(write|delete)"/ && index($0, "\"origin\":\"" n "\"") {
        if (match($0, /"seq":[0-9]+/)) { s = substr($0, RSTART + 6, RLENGTH - 6) + 0; if (s > m) m = s } }
        END { print m + 0 }' "$1"
}

# applied_of NODE ORIGIN: applied[ORIGIN] as NODE reports it.
applied_of() {
    mmctl --node "$1" status | sed -n 's/^applied=//p' | tr ',' '\n' |
        awk -F: -v o="$2" '$1 == o { print $2 }'
}

# every_node_has_all HISTORY: each origin's highest acknowledged seq is
# applied on every node (applied vectors are gap-free, so this means every
# acknowledged write is there).
every_node_has_all() {
    local o want n got
    for o in $(mmctl nodes | awk -F'\t' '$2 == "master" { print $1 }'); do
        want=$(max_acked_seq "$1" "$o")
        for n in $(all_nodes); do
            got=$(applied_of "$n" "$o")
            [ "${got:-0}" -ge "$want" ] ||
                fail "$n applied $o up to ${got:-0}, but $o acknowledged seq $want"
        done
        say "every node holds $o's acknowledged writes (up to seq $want)"
    done
}

# resp_port: the coordinator's RESP port from $CFG.
resp_port() { sed -n 's/^resp = 127.0.0.1://p' "$CFG"; }

# python_with MODULE: a python3 that can import MODULE (Debian's
# /usr/bin/python3 first: python3-redis installs there), or nothing.
python_with() {
    local py
    for py in /usr/bin/python3 python3; do
        command -v "$py" >/dev/null && "$py" -c "import $1" 2>/dev/null &&
            { echo "$py"; return 0; }
    done
    return 0
}

# holds_acked NODE ORIGIN HISTORY: NODE has applied every write ORIGIN
# acknowledged in HISTORY, and its dump holds each key's last acknowledged
# write (verify_lww).
holds_acked() {
    local want got
    want=$(max_acked_seq "$3" "$2")
    got=$(applied_of "$1" "$2")
    [ "${got:-0}" -ge "$want" ] ||
        fail "$2 acknowledged seq $want but $1 holds only up to ${got:-0}"
    say "$1 holds every write $2 acknowledged (up to seq $want)"
    mmctl --node "$1" dump >"$DIR/$1.dump"
    verify_lww "$3" "$DIR/$1.dump"
}
