# experiments/awk/sweep_labels.awk - lays out a sweep's trade-off figure:
# its axes, each design's point size, and a label for each design in a
# column to the right of the plot, joined to its point by a line.
#
#   awk -f sweep_labels.awk -v axes=AXES POINTS >PLACED
#
# POINTS has one design per line, tab-separated: name, then write
# availability in faults (%) as median, min, max, then violations per
# 1,000 operations as median, min, max, then write throughput. It writes
# "xlo xhi xstep ylo yhi zero" (tab-separated) to AXES: ylo is also where
# a zero is drawn on the log scale, and zero is 1 when some value is
# zero. It prints, for plots/sweep_tradeoff.gp, one line per design: x,
# y, xmin, xmax, ymin, ymax (y values raised to ylo), point size, the
# label's end of the joining line (x, y in data coordinates), the label's
# height as a fraction of the plot, and the name.
#
# Why a column: labels next to their points overlap as soon as two designs
# land close together, and an offset search can run out of room. In a
# column, labels keep the vertical order of their points and are pushed
# apart to at least one label height (LH, a fraction of the plot's
# height): first upward from the lowest, then, if the top one went past
# the top, downward from the top. That never overlaps while the labels fit
# (up to 1 / LH = 30 of them); beyond that they are spread evenly over the
# column. The order is decided by (height, name), so the same points give
# the same figure whatever order they come in.
BEGIN { FS = "\t"; OFS = "\t"; LH = 1 / 30 }

{
    n++
    name[n] = $1; xm[n] = $2; xa[n] = $3; xb[n] = $4
    ym[n] = $5; ya[n] = $6; yb[n] = $7; tput[n] = $8
}

function max(a, b) { return a > b ? a : b }
function min(a, b) { return a < b ? a : b }
function log10(v) { return log(v) / log(10) }
# frac(v): where v sits on the log y axis, 0 at the bottom, 1 at the top.
function frac(v) { return (log10(max(v, ylo)) - log10(ylo)) / (log10(yhi) - log10(ylo)) }

# set_axes(): x from a little left of the lowest availability to just past
# 100%, with at most 7 ticks on a 1-2-5 step; y (log) from a power of ten
# below the smallest violation count (where zero is drawn) to three times
# the largest.
function set_axes(   i, xmin, ypos, ymax, steps, ns) {
    xmin = 100; ypos = 0; ymax = 0
    for (i = 1; i <= n; i++) {
        xmin = min(xmin, min(xm[i], xa[i]))
        if (ya[i] > 0 && (ypos == 0 || ya[i] < ypos)) ypos = ya[i]
        if (ym[i] > 0 && (ypos == 0 || ym[i] < ypos)) ypos = ym[i]
        ymax = max(ymax, max(ym[i], yb[i]))
        if (ym[i] <= 0 || ya[i] <= 0) zero = 1
        tmax = max(tmax, tput[i])
    }
    xlo = xmin - max((100 - xmin) * 0.08, 0.5)
    if (xlo < 0) xlo = 0
    ns = split("0.1 0.2 0.5 1 2 5 10 20", steps, " ")
    for (i = 1; i <= ns; i++) { xstep = steps[i]; if ((100 - xlo) / xstep <= 7) break }
    xlo = int(xlo / xstep) * xstep
    xhi = 100 + (100 - xlo) * 0.03
    ylo = (ypos > 0) ? 10 ^ (int(log10(ypos) + 100) - 100 - 1) : 0.01
    if (ylo < 0.001) ylo = 0.001
    yhi = max(ymax * 3, ylo * 100)
    print xlo, xhi, xstep, ylo, yhi, zero + 0 > axes
}

END {
    if (n == 0) exit
    set_axes()
    # Order the labels by their points' heights (then names), bottom first.
    for (i = 1; i <= n; i++) { order[i] = i; want[i] = frac(ym[i]) }
    for (i = 2; i <= n; i++)
        for (j = i; j > 1; j--) {
            a = order[j - 1]; b = order[j]
            if (want[a] < want[b] || (want[a] == want[b] && name[a] <= name[b])) break
            order[j - 1] = b; order[j] = a
        }
    if (n * LH <= 1) {
        for (k = 1; k <= n; k++) {
            i = order[k]
            at[i] = max(want[i], LH / 2)
            if (k > 1) at[i] = max(at[i], at[order[k - 1]] + LH)
        }
        for (k = n; k >= 1; k--) {
            i = order[k]
            at[i] = min(at[i], 1 - LH / 2)
            if (k < n) at[i] = min(at[i], at[order[k + 1]] - LH)
        }
    } else {
        for (k = 1; k <= n; k++) at[order[k]] = (k - 0.5) / n
    }
    for (i = 1; i <= n; i++) {
        ps = (tmax > 0) ? 1 + 4 * sqrt(max(tput[i], 0) / tmax) : 2
        # The label's end of the line: the plot's right edge, at the
        # label's height, in data coordinates (log y).
        ly = 10 ^ (log10(ylo) + at[i] * (log10(yhi) - log10(ylo)))
        printf "%s\t%s\t%s\t%s\t%s\t%s\t%.3f\t%s\t%.6g\t%.4f\t%s\n", xm[i],
            max(ym[i], ylo), xa[i], xb[i], max(ya[i], ylo), max(yb[i], ylo), ps,
            xhi, ly, at[i], name[i]
    }
}
