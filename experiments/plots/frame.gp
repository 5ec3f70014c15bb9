# experiments/plots/frame.gp - what every plot of a run report shares: one
# time axis, the fault windows as shaded bands, and the lines that mark the
# end of the load and the moment the nodes converged.
#
# experiments/report runs each plot as
#     gnuplot -e 'SETTINGS' frame.gp PLOT.gp
# with these settings:
#     out        the PNG file to write
#     xmax       the right end of the time axis, in seconds
#     windows    a file with one fault window per line: id start stop "desc"
#     nwindows   how many lines it has (stats cannot read an empty file)
#     load_end   when the load ended (s), or -1 if unknown
#     converged  when every node held the same data (s), or -1 if never
# A plot with nothing to show sets `note` and calls @NOTE, so the page says
# why it is empty instead of showing bare axes.

set terminal pngcairo size 1200,380 font "DejaVu Sans,11" noenhanced
set output out
set xrange [0:xmax]
set lmargin 12; set rmargin 11; set tmargin 3.2; set bmargin 3.5
set xlabel "time since the start of the run (s)"
set border 3 lc rgb "#666666"
set xtics nomirror; set ytics nomirror
set grid xtics ytics lc rgb "#e4e4e4" lw 1 dt 1
set key outside top left horizontal Left reverse maxrows 1 samplen 2 width 1 font ",10"

# The k-th window gets the k-th colour, as its F-label does in the page's
# fault list (report.css, #fault-windows): keep the two lists the same.
array band_colour[6] = ["#e4572e", "#7b2cbf", "#e09f00", "#1b998b", "#d81159", "#4361ee"]
set datafile separator whitespace
do for [i = 0:nwindows - 1] {
    stats windows every ::i::i using (w_id = $1, w_start = $2, w_stop = $3, w_desc = strcol(4), 0) nooutput
    c = band_colour[i % 6 + 1]
    set object i + 1 rect from first w_start, graph 0 to first w_stop, graph 1 \
        behind fc rgb c fs transparent solid 0.13 noborder
    # Stagger the labels of neighbouring windows so they do not overlap.
    set label 100 + i + 1 sprintf("F%d %s", w_id, w_desc) at first w_start, graph 0.95 - 0.075 * (i % 3) \
        offset 0.5, 0 left front tc rgb c font ",10"
}
if (load_end >= 0) {
    set arrow 1 from first load_end, graph 0 to first load_end, graph 1 nohead dt 2 lw 1.2 lc rgb "#555555" front
    set label 201 "load end " at first load_end, graph 0.04 right front tc rgb "#555555" font ",9"
}
if (converged >= 0) {
    set arrow 2 from first converged, graph 0 to first converged, graph 1 nohead dt 3 lw 1.5 lc rgb "#1a7f37" front
    set label 202 " converged" at first converged, graph 0.11 left front tc rgb "#1a7f37" font ",9"
}

note = ""
NOTE = 'set label 300 note at graph 0.5, graph 0.5 center front tc rgb "#777777" font ",13"'

# The plots read mm-check's CSV files, which have a header line.
set datafile separator comma
set datafile columnheaders
