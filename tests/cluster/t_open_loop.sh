# Open loop (--rate): every client has a fixed schedule, and each scheduled
# operation is either sent or, when all the client's slots are busy, recorded
# as one skip line at its scheduled time. SIGSTOP m2 for 3 s: the clients
# that write to m2 skip at the schedule's rate while it is frozen, never
# send a burst afterwards, and invocations + skips add up to the schedule.
. "$(dirname "$0")/lib.sh"
mk_cluster 2 0
cluster up >/dev/null
# 4 clients at 100 ops/s in all: each has a point every 40 ms, and client i
# is offset by i x 10 ms. Sticky routing sends clients 0 and 2 to m1, 1 and
# 3 to m2. Two slots each: a client on m1 skips only if m1 takes over 80 ms
# twice in a row; a client on m2 sends two writes per --timeout (1 s) while
# m2 is frozen and must skip the other 23 of every 25 points.
rate=100 secs=8 clients=4
"$MM_BIN/mm-load" --config "$CFG" --clients $clients --inflight 2 \
    --rate $rate --duration $secs --timeout 1000 --keys 1000 \
    --history "$DIR/history.jsonl" --quiet >"$DIR/summary.json" &
load=$!
sleep 2
cluster pause m2
t_pause=$(mmctl now)
say "paused m2 (SIGSTOP)"
sleep 3
t_resume=$(mmctl now)
cluster resume m2
say "resumed m2 (SIGCONT)"
wait $load

awk -v rate=$rate -v secs=$secs -v n=$clients -v t_pause="$t_pause" \
    -v t_resume="$t_resume" -v summary="$(cat "$DIR/summary.json")" '
function num(line, name) {
    if (!match(line, "\"" name "\":[0-9]+")) return -1
    return substr(line, RSTART + length(name) + 3, RLENGTH - length(name) - 3) + 0
}
function str(line, name) {
    if (!match(line, "\"" name "\":\"[^\"]*\"")) return ""
    return substr(line, RSTART + length(name) + 4, RLENGTH - length(name) - 5)
}
function bad(msg) { print "  " msg; nbad++ }
{
    type = str($0, "type"); p = num($0, "p"); t = num($0, "t")
    if (type == "invoke" || type == "skip") mine[p]++
    if (type == "invoke") {
        invokes++; node[p] = str($0, "node")
        # No catch-up: in the half second after m2 came back, a client
        # sends what is due then, not the operations it skipped.
        if (t >= t_resume && t < t_resume + 5e8) after[p]++
    }
    if (type != "skip") next
    skips++
    late = index($0, "\"late\":true") > 0
    nlate += late
    # A skip is stamped with its scheduled time: the points of one client
    # are exactly n / rate seconds apart.
    if (!(p in first)) first[p] = t
    else if ((t - first[p]) % (1e9 * n / rate) != 0)
        bad("client " p " skip at " t " is off its schedule")
    # While m2 was frozen, after one --timeout (when both slots of its
    # clients are taken for sure). Late skips are mm-load falling behind
    # (a busy machine), not the nodes: they are counted apart.
    if (t > t_pause + 11e8 && t < t_resume) { win[p]++; if (!late) held[p]++ }
}
END {
    # The schedule is computed, not accumulated: client i has exactly
    # ceil((secs x rate - i) / n) points, so the total is secs x rate
    # (a point landing exactly on the end could add or drop one a client).
    want = secs * rate
    printf "  %d invocations + %d skips (%d late) = %d (schedule: %d)\n", invokes, skips, nlate, invokes + skips, want
    if (invokes + skips < want - n || invokes + skips > want + n)
        bad("invocations + skips should be " want " +- " n)
    if (num(summary, "writes_skipped") != skips || num(summary, "skipped_late") != nlate)
        bad("summary: " num(summary, "writes_skipped") " skipped, " num(summary, "skipped_late") " late")
    per = rate / n; frozen = (t_resume - t_pause - 11e8) / 1e9
    for (p = 0; p < n; p++) {
        # Each client keeps its own schedule: no client takes over the
        # points of one that is stuck.
        if (mine[p] < secs * per - 1 || mine[p] > secs * per + 1)
            bad("client " p " had " mine[p] " operations, its schedule " secs * per)
        if (node[p] == "m2") {
            # Two slots free up once per --timeout: 2 sends a second at
            # most, the other 23 of every 25 points are skipped.
            printf "  client %d (m2): %d skips in %.2f s frozen (schedule: %d), %d sends in the 0.5 s after\n", p, win[p], frozen, per * frozen, after[p]
            if (win[p] < 0.85 * per * frozen || win[p] > per * frozen + 1)
                bad("client " p " on frozen m2 did not skip at the schedule s rate")
            if (after[p] > per / 2 + 5)
                bad("client " p " sent " after[p] " operations in the 0.5 s after m2 came back")
        } else if (held[p] > 0.1 * per * frozen) {
            bad("client " p " on m1 skipped " held[p] " times while only m2 was frozen")
        }
    }
    exit nbad > 0
}' "$DIR/history.jsonl" || fail "the open-loop schedule was not kept"
