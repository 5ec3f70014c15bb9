# experiments/plots/latency.gp - latency.png: every operation (or mm-check's
# even sample of them) at the time it was invoked, by type and outcome, on
# a log scale.
#
# Settings (after frame.gp's): data = latency.csv (t_s, latency_ms, op,
# outcome), rows = its number of data lines.

set ylabel "latency (ms, log scale)"
set logscale y
set format y "%g"

# Six kinds of dot, drawn in this order so failures end on top: writes and
# reads (deletes count as writes), ok, info (timed out: outcome unknown) and
# failed. Dots are small and translucent; the key shows them larger.
kind(op, outcome) = (op eq "read" ? 2 : 1) + (outcome eq "ok" ? 0 : outcome eq "fail" ? 4 : 2)
array title[6] = ["writes ok", "reads ok", "writes info (timeout)", "reads info (timeout)", "writes failed", "reads failed"]
array colour[6] = ["#1f5fbf", "#17a589", "#e08a00", "#e08a00", "#d62728", "#d62728"]
array alpha[6] = ["#CC", "#CC", "#33", "#33", "#22", "#22"]
array shape[6] = [7, 6, 7, 6, 7, 6]
array size[6] = [0.35, 0.35, 0.6, 0.6, 0.6, 0.6]

if (rows == 0) {
    set yrange [0.1:1000]
    note = "no operations recorded (latency.csv is empty or missing)"
    @NOTE
    plot NaN notitle
} else {
    array n[6] = [0, 0, 0, 0, 0, 0]
    stats data using (k = kind(strcol(3), strcol(4)), n[k] = n[k] + 1, $2 > 0 ? $2 : 0.001) nooutput
    lo = STATS_min / 1.6
    hi = STATS_max * 8
    set yrange [lo:(hi > lo * 10 ? hi : lo * 10)]
    plot for [k = 1:6] data using 1:(kind(strcol(3), strcol(4)) == k && $2 > 0 ? $2 : NaN) \
             with points pt shape[k] ps size[k] lc rgb alpha[k] . colour[k][2:] notitle, \
         for [k = 1:6] NaN with points pt shape[k] ps 1.3 lc rgb colour[k] title (n[k] > 0 ? title[k] : "")
}
