# experiments/plots/sweep_tradeoff.gp - a sweep's trade-off figure: one
# point per design, x = write availability inside the fault windows, y =
# consistency violations per 1,000 successful operations (log scale),
# point size = write throughput, error bars = the spread over trials, and
# each design's name in a column on the right, joined to its point.
#
# experiments/sweep-report runs it as gnuplot -e 'SETTINGS' sweep_tradeoff.gp
# with:
#     out                          the PNG file to write
#     points                       the lines of awk/sweep_labels.awk (tabs)
#     xlo, xhi, xstep, ylo, yhi    the axes; zero is drawn at ylo
#     has_zero                     1 when a value is zero: ylo is labelled 0
#     xlabel                       what x is (availability in faults, or
#                                  overall when the runs had no faults)

set terminal pngcairo size 1100,620 font "DejaVu Sans,11" noenhanced
set output out
set datafile separator "\t"
set lmargin at screen 0.08
set rmargin at screen 0.76
set tmargin at screen 0.95
set bmargin at screen 0.11
set xrange [xlo:xhi]
set logscale y
set yrange [ylo:yhi]
set xtics xlo, xstep, 100 nomirror
set ytics nomirror
if (has_zero) { set ytics add ("0" ylo) }
set format y "%g"
set xlabel xlabel
set ylabel "consistency violations per 1,000 ok operations (log scale)"
set border 3 lc rgb "#666666"
set grid xtics ytics lc rgb "#e4e4e4"
set key top left Left reverse box lc rgb "#cccccc" samplen 1 spacing 1.3 font ",10"
set label 1 "better: available and consistent" at graph 0.98, graph 0.04 right tc rgb "#1a7f37" font ",10"
# The labels stand just past the plot's right edge: draw them unclipped.
set clip two
unset clip one
plot points using 1:2:($8 - $1):($9 - $2) with vectors nohead lc rgb "#bbbbbb" dt 2 notitle, \
     points using 1:2:3:4:5:6 with xyerrorbars pt -1 lc rgb "#555555" notitle, \
     points using 1:2:7 with points pt 7 ps variable lc rgb "#660969da" notitle, \
     points using 8:9:11 with labels left offset char 1, 0 tc rgb "#1f2328" font ",11" notitle, \
     NaN with points pt 6 ps 1 lc rgb "#666666" title "bigger = more writes/s", \
     NaN with lines lc rgb "#555555" title "error bars: min to max over trials"
