# experiments/plots/tradeoff.gp - tradeoff.png, the index's figure: one
# point per run, x = write availability during faults, y = consistency
# violations + 1 (log scale), point size = write throughput, colour = the
# verdict.
#
# experiments/index runs it as gnuplot -e 'SETTINGS' tradeoff.gp with:
#     out                          the PNG file to write
#     points                       x, y, point size, 1 if passed (tabs)
#     labels, nlabels              x, y, dx, dy, alignment, text (tabs),
#                                  and how many lines (awk/tradeoff_labels.awk)
#     xlo, xhi, xstep, ylo, yhi    the axes

set terminal pngcairo size 1100,620 font "DejaVu Sans,11" noenhanced
set output out
set datafile separator "\t"
# One label per line of the labels file. (A macro such as @align would be
# expanded once, when gnuplot reads the loop, so each alignment is spelt.)
do for [i = 0:nlabels - 1] {
    stats labels every ::i::i using (lx = $1, ly = $2, ldx = $3, ldy = $4, la = strcol(5), lt = strcol(6), 0) nooutput
    if (la eq "left") {
        set label i + 2 lt at first lx, first ly left offset screen ldx, screen ldy
    } else {
        if (la eq "right") {
            set label i + 2 lt at first lx, first ly right offset screen ldx, screen ldy
        } else {
            set label i + 2 lt at first lx, first ly center offset screen ldx, screen ldy
        }
    }
    set label i + 2 front tc rgb "#333333" font ",9"
}
set xrange [xlo:xhi]
set logscale y
set yrange [ylo:yhi]
set xtics xlo, xstep, 100 nomirror
set xlabel "write availability during faults, % (overall when the run had no faults)"
set ylabel "consistency violations + 1 (log scale)"
set format y "%g"
set border 3 lc rgb "#666666"
set ytics nomirror
set grid xtics ytics lc rgb "#e4e4e4"
set key top left Left reverse box lc rgb "#cccccc" samplen 1 spacing 1.3 font ",10"
set label 1 "better: available and consistent" at graph 0.98, graph 0.04 right tc rgb "#1a7f37" font ",10"
plot points using 1:($4 == 1 ? $2 : NaN):3 with points pt 7 ps variable lc rgb "#551a7f37" notitle, \
     points using 1:($4 == 0 ? $2 : NaN):3 with points pt 7 ps variable lc rgb "#55cf222e" notitle, \
     NaN with points pt 7 ps 2 lc rgb "#1a7f37" title "PASS", \
     NaN with points pt 7 ps 2 lc rgb "#cf222e" title "FAIL", \
     NaN with points pt 6 ps 1 lc rgb "#666666" title "bigger = more writes/s"
