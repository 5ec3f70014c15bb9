# experiments/plots/throughput.gp - throughput.png: successful writes and
# reads per second (steps, left axis) and failed and unknown-outcome writes
# per second (bars, right axis: usually far fewer, so they get their own
# scale), per bucket.
#
# Settings (after frame.gp's): data = series.csv (t_s, writes_ok,
# writes_fail, writes_info, reads_ok, reads_stale), rows = its number of
# data lines, bw = the bucket width in seconds.

set ylabel "operations per second"
if (rows == 0) {
    set yrange [0:1]
    note = "no throughput series (series.csv is empty or missing)"
    @NOTE
    plot NaN notitle
} else {
    max(a, b) = a > b ? a : b
    stats data using (max($2, $5) / bw) nooutput
    ok_max = STATS_max
    stats data using (max($3, $4) / bw) nooutput
    bad_max = STATS_max
    set yrange [0:(ok_max > 0 ? ok_max * 1.3 : 1)]
    set y2range [0:(bad_max > 0 ? bad_max * 1.3 : 1)]
    set border 11
    set y2tics nomirror tc rgb "#b8322a"
    set y2label "failed / info writes per second" tc rgb "#b8322a"
    set boxwidth bw absolute
    # A bucket's row is its start; histeps around the bucket's middle draws
    # each rate across exactly its bucket.
    plot data using ($1 + bw / 2):($3 / bw) axes x1y2 with boxes fs transparent solid 0.55 noborder \
             lc rgb "#d62728" title "failed writes/s (right axis)", \
         data using ($1 + bw / 2):($4 / bw) axes x1y2 with boxes fs transparent solid 0.55 noborder \
             lc rgb "#f0a020" title "info writes/s: outcome unknown (right axis)", \
         data using ($1 + bw / 2):($2 / bw) with histeps lw 2 lc rgb "#1f5fbf" title "ok writes/s", \
         data using ($1 + bw / 2):($5 / bw) with histeps lw 2 lc rgb "#17a589" title "ok reads/s"
}
