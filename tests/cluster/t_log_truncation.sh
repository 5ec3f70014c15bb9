# The replication log is truncated (log_retain = 500), and a node that
# comes back behind it gets a snapshot and converges with every
# acknowledged write: a replica, a peer master, and a replica whose only
# source for a dead master's writes is the other master (a relay).
. "$(dirname "$0")/lib.sh"
mk_cluster 2 1 log_retain=500
cluster up >/dev/null

field() { mmctl --node "$1" status | sed -n "s/^$2=//p"; }
# log_first_of NODE ORIGIN: where NODE's log of ORIGIN now begins.
log_first_of() { field "$1" log_first | tr ',' '\n' | awk -F: -v o="$2" '$1 == o { print $2 }'; }
round=0
# load SECONDS [mm-load options]: one more round of writes into history.
load() {
    round=$((round + 1))
    "$MM_BIN/mm-load" --config "$CFG" --clients 4 --inflight 8 --keys 4000 \
        --duration "$1" --timeout 500 --seed "$round" --prefix "r$round." \
        --history "$DIR/h$round.jsonl" --quiet "${@:2}" >/dev/null
    cat "$DIR"/h[0-9]*.jsonl >"$DIR/history.jsonl"
}
# wait_records NODE MAX: until NODE's log holds at most MAX records
# (truncation runs once per heartbeat, behind the followers' ACKs).
wait_records() {
    local i
    for i in $(seq 50); do
        [ "$(field "$1" log_records)" -le "$2" ] && return 0
        sleep 0.1
    done
    fail "$1 still holds $(field "$1" log_records) log records, more than $2"
}
snapshots_of() { field "$1" snapshots_received; }

say "1. a replica away for longer than the retained log"
cluster kill r1
first0=$(log_first_of m1 m1)
pages=()
# Five rounds of 8000 writes at 4000 a second, so the masters keep up with
# each other and the log holds little more than log_retain of each.
for r in 1 2 3 4 5; do
    load 2 --rate 4000
    wait_records m1 2000
    pages+=("$(field m1 log_pages)")
done
first1=$(log_first_of m1 m1)
records=$(( $(applied_of m1 m1) + $(applied_of m1 m2) ))
say "m1 holds $records writes; its log of m1 now begins at $first1 (was $first0); log.db pages after each round: ${pages[*]}"
[ "$first1" -gt $((first0 + 2000)) ] || fail "m1's log_first did not move"
# Untruncated, log.db grows with every write: about 74 entries fill a page
# of 8 KiB (measured: 204 800 writes, 2755 pages). Truncated, it stops
# growing once it has room for what the followers still need, a small part
# of that.
[ $((pages[4] * 74 * 3)) -lt "$records" ] ||
    fail "log.db holds ${pages[4]} pages for $records writes: it kept growing (${pages[*]})"
cluster start r1
wait_converged 20
[ "$(snapshots_of r1)" -ge 1 ] || fail "r1 converged without a snapshot"
grep -q "event=snapshot_installed" "$DIR/data/r1.log" ||
    fail "r1 logged no snapshot_installed"
every_node_has_all "$DIR/history.jsonl"
mmctl --node r1 dump >"$DIR/r1.dump"
verify_lww "$DIR/history.jsonl" "$DIR/r1.dump"

say "2. a peer master away for longer than the retained log"
had=$(applied_of m2 m1)
cluster kill m2
for r in 1 2; do load 1 --write-nodes m1; done
wait_records m1 2000
[ "$(log_first_of m1 m1)" -gt $((had + 1)) ] ||
    fail "m1's log still holds what m2 lacks (m2 applied $had)"
cluster start m2
wait_converged 20
[ "$(snapshots_of m2)" -ge 1 ] || fail "m2 converged without a snapshot"
# m2 holds no log entries of what the snapshot brought, and says so.
[ "$(log_first_of m2 m1)" -gt $((had + 1)) ] ||
    fail "m2's log of m1 begins at $(log_first_of m2 m1)"
every_node_has_all "$DIR/history.jsonl"
mmctl --node m2 dump >"$DIR/m2.dump"
verify_lww "$DIR/history.jsonl" "$DIR/m2.dump"

say "3. a replica that can only get m1's writes through m2"
cluster kill r1
load 2
want=$(max_acked_seq "$DIR/history.jsonl" m1)
# wait_applied NODE ORIGIN SEQ: until NODE holds ORIGIN's writes up to SEQ.
wait_applied() {
    local i
    for i in $(seq 200); do
        [ "$(applied_of "$1" "$2")" -ge "$3" ] && return 0
        sleep 0.1
    done
    fail "$1 holds $2's writes up to $(applied_of "$1" "$2"), not $3"
}
wait_applied m2 m1 "$want"
wait_records m2 2000
cluster kill m1
sent=$(field m2 snapshots_sent)
cluster start r1
wait_applied r1 m1 "$want"
[ "$(snapshots_of r1)" -ge 1 ] || fail "r1 caught up without a snapshot"
[ "$(field m2 snapshots_sent)" -gt "$sent" ] || fail "m2 sent no snapshot"
say "with m1 down, r1 got m1's writes up to seq $want through m2's snapshot"
cluster start m1
wait_converged 20
every_node_has_all "$DIR/history.jsonl"
mmctl --node r1 dump >"$DIR/r1.dump"
verify_lww "$DIR/history.jsonl" "$DIR/r1.dump"
