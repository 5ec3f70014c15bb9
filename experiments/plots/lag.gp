# experiments/plots/lag.gp - lag.png: replication lag, one line per pair
# "origin -> follower", from the status samples.
#
# Settings (after frame.gp's): data = lag.csv sorted by time (t_s,
# follower, origin, lag_ms), pairs = the pairs in it as words
# "ORIGIN:FOLLOWER", gap_note = a sentence naming the pairs whose points
# stop early, or "".

set ylabel "replication lag (ms)"
if (strlen(gap_note) > 0) {
    set bmargin 5
    set label 301 gap_note at graph 0, screen 0.03 left front tc rgb "#b8322a" font ",10"
}
if (words(pairs) == 0) {
    set yrange [0:1]
    note = "no replication-lag points in this run (lag.csv is empty)"
    @NOTE
    plot NaN notitle
} else {
    stats data using 4 nooutput
    set yrange [0:(STATS_max > 0 ? STATS_max * 1.3 : 1)]
    array colour[10] = ["1f77b4", "d62728", "2ca02c", "9467bd", "ff7f0e", "17becf", "8c564b", "e377c2", "7f7f7f", "bcbd22"]
    pair(i) = word(pairs, i)
    origin(i) = pair(i)[1:strstrt(pair(i), ":") - 1]
    follower(i) = pair(i)[strstrt(pair(i), ":") + 1:]
    lag_of(i) = strcol(3) eq origin(i) && strcol(2) eq follower(i) ? $4 : NaN
    # gnuplot joins a line across the other pairs' rows (NaN here), so each
    # pair is one line through its own points.
    plot for [i = 1:words(pairs)] data using 1:(lag_of(i)) with lines lw 1.2 \
             lc rgb "#A0" . colour[(i - 1) % 10 + 1] notitle, \
         for [i = 1:words(pairs)] data using 1:(lag_of(i)) with points pt 7 ps 0.6 \
             lc rgb "#" . colour[(i - 1) % 10 + 1] title origin(i) . " -> " . follower(i)
}
