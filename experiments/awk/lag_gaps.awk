# experiments/awk/lag_gaps.awk - the pairs of lag.csv whose points stop
# early. A follower's lag is sampled until the last status sample; a pair
# with no point in the last half second had not caught up with that
# origin's writes when sampling stopped, so its lag after its last point is
# unknown (and at least the time left). Prints "ORIGIN -> FOLLOWER after
# T s" for each such pair, one per line, in no particular order.
BEGIN { FS = "," }
NR > 1 {
    pair = $3 " -> " $2
    if (!(pair in last) || $1 > last[pair]) last[pair] = $1
    if ($1 > end) end = $1
}
END {
    for (pair in last)
        if (last[pair] < end - 0.5) printf "%s after %.1f s\n", pair, last[pair]
}
