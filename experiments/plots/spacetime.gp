# experiments/plots/spacetime.gp - the frame of a space-time diagram: one
# vertical line per node, time running down. experiments/spacetime runs it
# as
#     gnuplot -e 'SETTINGS' ITEMS.gp spacetime.gp
# where ITEMS.gp (written by experiments/awk/spacetime.awk) sets every
# arrow, label and band, and `ncols` (the number of nodes), and SETTINGS:
#     out      the file to write
#     fmt      svg or png
#     y_from, y_to  the window, in seconds since the start of the run
#     width, height   the picture's size in pixels
#     title    the line above the picture

if (fmt eq "svg") {
    set terminal svg size width,height font "DejaVu Sans,11" noenhanced background rgb "white"
} else {
    set terminal pngcairo size width,height font "DejaVu Sans,11" noenhanced
}
set output out
set title title font ",12"
# Room on the left of the first node for its client writes' labels, and
# on the right of the last for its marks' labels.
set xrange [-0.2:ncols + 1.4]
set x2range [-0.2:ncols + 1.4]
set yrange [y_to:y_from]
set ylabel "time since the start of the run (s), running down"
set ytics nomirror format "%.2f" font ",9"
set grid ytics lc rgb "#eeeeee"
unset xtics
set x2tics nomirror font ",13" textcolor rgb "#222222" scale 0
set border 2 lc rgb "#888888"
set lmargin 11; set rmargin 2; set tmargin 4; set bmargin 5
set key off
# The legend, under the picture.
set label 990 "Blue arrow: a pack of replicated writes, from its send to its apply (label: how many, and the (stamp, origin) of the last)." \
    at screen 0.02, screen 0.055 left tc rgb "#555555" font ",9"
set label 991 "Red arrow: applying the pack decided an LWW conflict. Red ✕: a write LWW discarded. Green: a client write taken (key, stamp)." \
    at screen 0.02, screen 0.035 left tc rgb "#555555" font ",9"
set label 992 "Orange ◆: the pack pushed the node's HLC ahead of its own clock. Dashed: sent, never applied. Stamps show the last digits of their milliseconds." \
    at screen 0.02, screen 0.015 left tc rgb "#555555" font ",9"
plot NaN notitle
