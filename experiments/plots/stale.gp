# experiments/plots/stale.gp - stale.png: stale reads / ok reads per
# bucket, in percent.
#
# Settings (after frame.gp's): data = series.csv, rows = its number of data
# lines, bw = the bucket width in seconds.

set ylabel "stale reads (% of ok reads)"
reads = 0
if (rows > 0) {
    stats data using (reads = reads + $5, $5 > 0 ? 100 * $6 / $5 : 0) nooutput
    top = STATS_max
}
if (reads == 0) {
    set yrange [0:1]
    note = "no successful reads in this run"
    @NOTE
    plot NaN notitle
} else {
    set boxwidth bw absolute
    set yrange [0:(top > 0 ? top * 1.3 : 1)]
    if (top == 0) {
        note = "no stale reads in this run"
        @NOTE
    }
    plot data using ($1 + bw / 2):($5 > 0 ? 100 * $6 / $5 : NaN) with boxes fs solid 0.75 noborder \
        lc rgb "#8e44ad" title sprintf("stale reads / ok reads, per %g s", bw)
}
