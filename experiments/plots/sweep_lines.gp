# experiments/plots/sweep_lines.gp - a knob sweep's figure: one line per
# series (and per metric, when the sweep plots several), the median over
# trials at each value of the knob, with error bars from min to max.
#
# experiments/sweep-report runs it as gnuplot -e 'SETTINGS' sweep_lines.gp
# with:
#     out              the PNG file to write
#     data             the lines (tabs), in blocks separated by two blank
#                      lines, one block per line of the figure: a title
#                      line, then "x, median, min, max, x label" rows (x is
#                      the knob value's place, 1, 2, ...)
#     nblocks          how many blocks
#     xlabel, ylabel   the axes' titles
#     logy             1 for a log y axis
#     has_zero         1 when a zero was raised to ylo: ylo is labelled 0
#     ylo, yhi, xmax   the axes' ranges

set terminal pngcairo size 1100,560 font "DejaVu Sans,11" noenhanced
set output out
set datafile separator "\t"
set key outside right top Left reverse samplen 2 spacing 1.3 font ",10"
set xrange [0.6:xmax + 0.4]
set yrange [ylo:yhi]
if (logy) {
    set logscale y
    set format y "%g"
    if (has_zero) { set ytics add ("0" ylo) }
}
set xlabel xlabel
set ylabel ylabel
set border 3 lc rgb "#666666"
set xtics nomirror
set ytics nomirror
set grid ytics lc rgb "#e4e4e4"
set style data yerrorlines
plot for [i = 0:nblocks - 1] data index i using 1:2:3:4:xtic(5) \
     lw 2 pt 7 ps 1.2 title columnheader(1)
