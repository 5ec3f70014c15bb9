# experiments/awk/tradeoff_labels.awk - lays out the index's trade-off
# figure: its axes, its point sizes, and a place for each run's label.
#
#   awk -f tradeoff_labels.awk -v axes=AXES -v labels=LABELS POINTS >SIZED
#
# POINTS has one run per line, tab-separated: write availability (%),
# violations + 1, write throughput, 1 if it passed, label. It prints the
# points again with a point size instead of the throughput (the area grows
# with writes per second), writes "xlo xhi xstep ylo yhi" to AXES, and
# writes "x y dx dy align label" lines (tab-separated; dx, dy in screen
# fractions) to LABELS for plots/tradeoff.gp.
#
# A label goes above, below, left or right of its point (then the
# diagonals), at the first spot that overlaps no label placed before and no
# other point, estimated in pixels of the 1100x620 canvas; a label that
# fits nowhere goes left. Identical labels on the same spot are drawn once.
BEGIN { FS = "\t"; OFS = "\t"; W = 975; H = 500 }

{ n++; x[n] = $1; y[n] = $2; tput[n] = $3; ok[n] = $4; lab[n] = $5 }

function px(v) { return (v - xlo) / (xhi - xlo) * W }
function py(v) { return (log(v) - log(ylo)) / (log(yhi) - log(ylo)) * H }
# hit(...): the box overlaps a box placed before (other than box self).
function hit(a1, b1, a2, b2, self,   k) {
    for (k = 1; k <= nb; k++)
        if (k != self && a1 < X2[k] && a2 > X1[k] && b1 < Y2[k] && b2 > Y1[k]) return 1
    return 0
}

# set_axes(): the x axis from a bit left of the lowest availability to just
# past 100%, with at most 7 ticks on a 1-2-5 step; the y axis (log) from
# 0.7 to six times the most violations (at least 100).
function set_axes(   i, xmin, ymax, steps, ns) {
    for (i = 1; i <= n; i++) {
        if (i == 1 || x[i] < xmin) xmin = x[i]
        if (y[i] > ymax) ymax = y[i]
        if (tput[i] > tmax) tmax = tput[i]
    }
    xlo = xmin - (100 - xmin) * 0.15 - 0.2
    if (xlo < 0) xlo = 0
    ns = split("0.01 0.02 0.05 0.1 0.2 0.5 1 2 5 10 20", steps, " ")
    for (i = 1; i <= ns; i++) { xstep = steps[i]; if ((100 - xlo) / xstep <= 7) break }
    xlo = int(xlo / xstep) * xstep
    xhi = 100 + (100 - xlo) * 0.04
    ylo = 0.7
    yhi = (ymax < 10) ? 100 : ymax * 6
    print xlo, xhi, xstep, ylo, yhi > axes
}

END {
    if (n == 0) exit
    set_axes()
    for (i = 1; i <= n; i++) {
        ps[i] = (tmax > 0) ? 0.8 + 4.7 * sqrt(tput[i] / tmax) : 2
        r = ps[i] * 4; nb++
        X1[nb] = px(x[i]) - r; X2[nb] = px(x[i]) + r
        Y1[nb] = py(y[i]) - r; Y2[nb] = py(y[i]) + r
        print x[i], y[i], ps[i], ok[i]
    }
    nc = split("above below left right upleft downleft upright downright", cand, " ")
    for (i = 1; i <= n; i++) {
        key = lab[i] SUBSEP int(px(x[i]) / 6) SUBSEP int(py(y[i]) / 6)
        if (key in done) continue
        done[key] = 1
        w = length(lab[i]) * 7; h = 14; r = ps[i] * 4; cx = px(x[i]); cy = py(y[i])
        up = r * 0.7 + h / 2 + 2
        for (c = 1; c <= nc + 1; c++) {
            spot = (c <= nc) ? cand[c] : "left"
            if (spot == "above") { dx = 0; dy = r + 3 + h / 2; al = "center" }
            if (spot == "below") { dx = 0; dy = -(r + 3 + h / 2); al = "center" }
            if (spot == "left") { dx = -(r + 4); dy = 0; al = "right" }
            if (spot == "right") { dx = r + 4; dy = 0; al = "left" }
            if (spot == "upleft") { dx = -(r * 0.7 + 2); dy = up; al = "right" }
            if (spot == "downleft") { dx = -(r * 0.7 + 2); dy = -up; al = "right" }
            if (spot == "upright") { dx = r * 0.7 + 2; dy = up; al = "left" }
            if (spot == "downright") { dx = r * 0.7 + 2; dy = -up; al = "left" }
            a1 = cx + dx - (al == "center" ? w / 2 : al == "right" ? w : 0)
            b1 = cy + dy - h / 2
            if (c > nc) break
            if (a1 >= 0 && a1 + w <= W && b1 >= 0 && b1 + h <= H && !hit(a1, b1, a1 + w, b1 + h, i)) break
        }
        nb++; X1[nb] = a1; X2[nb] = a1 + w; Y1[nb] = b1; Y2[nb] = b1 + h
        printf "%s\t%s\t%.4f\t%.4f\t%s\t%s\n", x[i], y[i], dx / 1100, dy / 620, al, lab[i] > labels
    }
}
