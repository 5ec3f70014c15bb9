# Replies are matched to their request by connection and request id. Every
# connection numbers its requests from the clock when it opens, so two
# connections of one client can hand out the same id; --first-reqid 1
# makes them do so from the start. The history must still record, for each
# operation, what the reply to that very request said: an ok write carries
# the stamp, origin and seq its own node gave it, and an ok read the value
# and stamp of a write of the key it read.
. "$(dirname "$0")/lib.sh"
mk_cluster 2 1
cluster up >/dev/null
# Every key holds a value before the run, and nothing is deleted: a read
# may never come back empty.
for i in $(seq 0 39); do mmctl --node m1 put "k$i" "init$i" >/dev/null; done
"$MM_BIN/mm-load" --config "$CFG" --clients 2 --inflight 8 --keys 40 \
    --reads 0.5 --route random --duration 3 --first-reqid 1 \
    --history "$DIR/history.jsonl" --quiet >"$DIR/summary.json"
wait_converged 10
mmctl --node m1 dump >"$DIR/m1.dump"

# Each ok write went straight to a master, which stamps it itself: its
# origin is the node it was sent to, and each (origin, seq) names one
# write. A write whose value survived carries the dump's stamp and origin.
# An ok read returned a value written to that key, with that write's stamp
# and origin.
awk -F'\t' '
function field(line, name,   m) {
    if (match(line, "\"" name "\":(\"[^\"]*\"|[0-9]+|null)")) {
        m = substr(line, RSTART + length(name) + 3, RLENGTH - length(name) - 3)
        gsub("\"", "", m); return m
    }
    return ""
}
function bad(msg) { if (++nbad <= 5) print "  " msg; }
FNR == NR {
    if (index($0, "\"type\":\"ok\"") == 0) next
    f = field($0, "f"); k = field($0, "key"); v = field($0, "value")
    pair = field($0, "stamp") "@" field($0, "origin")
    if (f == "write") {
        writes++
        if (field($0, "origin") != field($0, "node"))
            bad("write " v " sent to " field($0, "node") " has origin " field($0, "origin"))
        os = field($0, "origin") ":" field($0, "seq")
        if (os in seen) bad("writes " seen[os] " and " v " both have " os)
        seen[os] = v; wkey[v] = k; wpair[v] = pair
    } else if (f == "read") {
        reads++; rk[reads] = k; rv[reads] = v; rp[reads] = pair
    }
    next
}
{ final[$2] = $3 "@" $4 }
END {
    for (v in wpair)
        if ((v in final) && final[v] != wpair[v])
            bad("write " v ": history " wpair[v] ", dump " final[v])
    for (i = 1; i <= reads; i++) {
        if (rv[i] == "null") bad("read of " rk[i] " found nothing")
        else if (rv[i] == "init" substr(rk[i], 2)) continue
        else if (!(rv[i] in wkey) || wkey[rv[i]] != rk[i])
            bad("read of " rk[i] " returned " rv[i] ", not a value of that key")
        else if (wpair[rv[i]] != rp[i])
            bad("read of " rk[i] ": " rv[i] " at " rp[i] ", written at " wpair[rv[i]])
    }
    printf "  %d ok writes and %d ok reads checked, %d problems\n", writes, reads, nbad
    exit !(writes > 1000 && reads > 1000 && nbad == 0)
}' "$DIR/history.jsonl" "$DIR/m1.dump" ||
    fail "the history records replies against the wrong operations"

# A reply that answers no open request is dropped and counted; with
# matching by connection, only a request that timed out can get one.
dropped=$(sed -n 's/.*"replies_dropped":\([0-9]*\).*/\1/p' "$DIR/summary.json")
timeouts=$(grep -c '"error":"timeout"' "$DIR/history.jsonl" || true)
[ -n "$dropped" ] || fail "the summary has no replies_dropped"
[ "$dropped" -le "$timeouts" ] ||
    fail "$dropped replies dropped, but only $timeouts requests timed out"
say "replies dropped: $dropped (timeouts: $timeouts)"
