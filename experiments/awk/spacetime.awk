# experiments/awk/spacetime.awk - turns the nodes' replication traces into
# the gnuplot statements of a space-time diagram (experiments/spacetime).
#
# Input: every node's trace lines (common/trace.h), merged in time order
# (sorted on t=), then nothing else. Variables:
#   t0      the run's time origin, ns (the history's first line)
#   from    the window's start, s since t0; to, its end
#   order   the node names, space-separated, left to right
#   faults  a file of fault windows, "ID<TAB>START_S<TAB>STOP_S<TAB>NODES
#           <TAB>DESC" (NODES comma-separated); may be empty
#   maxp    at most this many pack arrows; maxw, client writes; maxm,
#           LWW and HLC marks
#   digits  the stamps' milliseconds are shown by their last `digits`
#           digits, so labels stay short
# Output: gnuplot statements (set arrow/label/object) on stdout, and one
# summary line "packs=.. drawn=.. writes=.. ..." on the file `summary`.
#
# A pack arrow joins a `send` (from, t) to the `apply` of the same pack
# (to, t'): same sender, receiver, count, first and last pair, taken in
# order when a pack was sent more than once. A send never applied is a
# dashed stub: the pack was lost (a partition, a crash) or its apply lies
# outside the traces. When there are more than maxp, the window is cut in
# maxp equal slices and each keeps one arrow, an LWW one if it has any;
# client writes, LWW losses and HLC jumps are sampled the same way.

function field(name,   i) {
    for (i = 1; i <= NF; i++)
        if (index($i, name "=") == 1) return substr($i, length(name) + 2)
    return ""
}
# sec(ns): seconds since the run's origin.
function sec(ns) { return (ns - t0) / 1e9 }
# short(pair): "1795766969529.4@m2" -> "…69529.4@m2" (the last digits);
# a plain millisecond count is cut the same way.
function short(p,   at, ms, rest, dot) {
    at = index(p, "@"); dot = index(p, ".")
    if (dot == 0 || (at > 0 && dot > at)) dot = at > 0 ? at : length(p) + 1
    ms = substr(p, 1, dot - 1); rest = substr(p, dot)
    if (length(ms) > digits) ms = "…" substr(ms, length(ms) - digits + 1)
    return ms rest
}
function xof(name) {
    if (!(name in col)) { ncol++; col[name] = ncol; colname[ncol] = name }
    return col[name]
}
function inwin(s) { return s >= from && s <= to }
function q(s) { gsub(/"/, "'", s); return "\"" s "\"" }
# msof(stamp): the milliseconds of "MS.LOGICAL", as a number.
function msof(s) { sub(/\..*/, "", s); return s + 0 }

BEGIN {
    n = split(order, names, " ")
    for (i = 1; i <= n; i++) xof(names[i])
    while ((getline line < faults) > 0) {
        split(line, f, "\t")
        nf++; fid[nf] = f[1]; fstart[nf] = f[2]; fstop[nf] = f[3]
        fnodes[nf] = f[4]; fdesc[nf] = f[5]
    }
}

{
    t = field("t"); node = field("node"); ev = field("ev")
    if (t == "" || node == "") next
    s = sec(t)
    xof(node)
    if (ev == "send") {
        k = node "|" field("to") "|" field("n") "|" field("first") "|" field("last")
        qn[k]++; qt[k, qn[k]] = s
        if (inwin(s)) { nsend++ }
    } else if (ev == "apply") {
        from_node = field("from")
        k = from_node "|" node "|" field("n") "|" field("first") "|" field("last")
        sent = ""
        if (qh[k] < qn[k]) { qh[k]++; sent = qt[k, qh[k]]; delete qt[k, qh[k]] }
        if (sent == "" || !(inwin(sent) || inwin(s))) next
        np++; pa_from[np] = from_node; pa_to[np] = node; pa_t0[np] = sent
        pa_t1[np] = s; pa_n[np] = field("n"); pa_last[np] = field("last")
        pa_first[np] = field("first"); pa_conf[np] = field("conflicts") + 0
        # The clock moved forward: applying the pack raised the node's HLC
        # above its own physical clock, so its next write is stamped ahead
        # of the wall.
        h = field("hlc"); hb = field("hlc_before")
        if (msof(h) > msof(field("wall")) && h != hb && inwin(s)) {
            nh++; hl_node[nh] = node; hl_t[nh] = s; hl_to[nh] = h
            hl_wall[nh] = field("wall")
        }
    } else if (ev == "write" && inwin(s)) {
        nw++; w_node[nw] = node; w_t[nw] = s; w_key[nw] = field("key")
        w_stamp[nw] = field("stamp"); w_won[nw] = field("won")
    } else if (ev == "lww" && inwin(s)) {
        nl++; l_node[nl] = node; l_t[nl] = s; l_key[nl] = field("key")
        l_win[nl] = field("winner"); l_lose[nl] = field("loser")
        l_via[nl] = field("via")
    }
}

# slot(t, max): which of max equal slices of the window t falls in. Each
# kind of mark is sampled by keeping at most one per slice, so a sample
# spreads over the whole window instead of bunching where traffic was
# densest.
function slot(t, max,   k) {
    k = int((t - from) / (to - from) * max)
    return k < 0 ? 0 : (k >= max ? max - 1 : k)
}
# sample(n, t, max, pick): pick[k] = the first of the n items (times t[])
# in slice k of max.
function sample(n, t, max, pick,   i, k) {
    for (i = 1; i <= n; i++) { k = slot(t[i], max); if (!(k in pick)) pick[k] = i }
}
# mark(glyph, size, colour, c, t, text): a glyph on node line c at time t,
# and its text to the right.
function mark(glyph, size, colour, c, t, text) {
    printf "set label %d %s at %d,%g center front tc rgb \"%s\" font \",%d\"\n", ++lab, q(glyph), c, t, colour, size
    printf "set label %d %s at %g,%g left front tc rgb \"%s\" font \",8\"\n", ++lab, q(text), c + 0.06, t, colour
}

END {
    obj = 0; lab = 0; arr = 0
    # Fault bands first, behind everything: across the columns of the
    # nodes they touch, from start to stop (clipped to the window).
    for (i = 1; i <= nf; i++) {
        a = fstart[i] + 0; b = (fstop[i] == "" ? to : fstop[i] + 0)
        if (b < from || a > to) continue
        if (a < from) a = from
        if (b > to) b = to
        lo = ncol + 1; hi = 0
        m = split(fnodes[i], fn, ",")
        for (j = 1; j <= m; j++) {
            if (!(fn[j] in col)) continue
            c = col[fn[j]]; if (c < lo) lo = c; if (c > hi) hi = c
        }
        if (hi == 0) { lo = 1; hi = ncol }
        printf "set object %d rect from %g,%g to %g,%g behind fc rgb \"#e4572e\" fs transparent solid 0.12 noborder\n", ++obj, lo - 0.45, a, hi + 0.45, b
        printf "set label %d %s at %g,%g left front tc rgb \"#b8401f\" font \",9\"\n", ++lab, q("F" fid[i] " " fdesc[i]), lo - 0.43, a, b
    }
    # One vertical line per node.
    for (c = 1; c <= ncol; c++)
        printf "set arrow %d from %d,%g to %d,%g nohead lw 2 lc rgb \"#444444\" back\n", ++arr, c, from, c, to
    # Pack arrows: one per slice of the window, preferring a pack that
    # decided an LWW conflict.
    for (i = 1; i <= np; i++) {
        k = slot(pa_t1[i] > to ? to : pa_t1[i], maxp)
        if (!(k in pick) || (pa_conf[i] > 0 && pa_conf[pick[k]] == 0)) pick[k] = i
    }
    drawn = 0
    for (k = 0; k < maxp; k++) {
        if (!(k in pick)) continue
        i = pick[k]; drawn++
        x0 = col[pa_from[i]]; x1 = col[pa_to[i]]; y0 = pa_t0[i]; y1 = pa_t1[i]
        # A pack that crosses the window's edge (sent before it, or
        # applied after it) is cut at the edge, along its own line.
        if (y0 < from) { x0 += (x1 - x0) * (from - y0) / (y1 - y0); y0 = from }
        if (y1 > to) { x1 = x0 + (x1 - x0) * (to - y0) / (y1 - y0); y1 = to }
        colour = pa_conf[i] > 0 ? "#d62728" : "#1f77b4"
        printf "set arrow %d from %g,%g to %g,%g %s lw %s lc rgb \"%s\" front\n", ++arr, x0, y0, x1, y1, (pa_t1[i] > to ? "nohead" : "head filled size screen 0.008,20"), (pa_conf[i] > 0 ? "2" : "1.2"), colour
        text = (pa_n[i] > 1 ? pa_n[i] " writes, last " : "") short(pa_last[i])
        if (pa_conf[i] > 0) text = text " (" pa_conf[i] " LWW)"
        # The label sits just above the arrow, near its sender, so it
        # does not cross the next node's line.
        frac = (x1 - x0 > 1 || x0 - x1 > 1) ? 0.3 / (x1 > x0 ? x1 - x0 : x0 - x1) : 0.3
        printf "set label %d %s at %g,%g %s offset 0,0.45 front tc rgb \"%s\" font \",8\"\n", ++lab, q(text), x0 + (x1 - x0) * frac, y0 + (y1 - y0) * frac, (x1 > x0 ? "left" : "right"), colour
    }
    # Sends never applied: a dashed stub a third of the way.
    lost = 0
    for (k in qn) {
        split(k, kk, "|")
        for (j = qh[k] + 1; j <= qn[k]; j++) {
            s = qt[k, j]
            if (!inwin(s) || lost >= maxm) continue
            lost++
            x0 = col[kk[1]]; x1 = (kk[2] in col) ? col[kk[2]] : x0
            printf "set arrow %d from %d,%g to %g,%g nohead dt 2 lw 1.2 lc rgb \"#888888\" front\n", ++arr, x0, s, x0 + (x1 - x0) / 3, s
        }
    }
    # Client writes: a short arrow into the node from its left.
    wd = 0
    sample(nw, w_t, maxw, wpick)
    for (k = 0; k < maxw; k++) {
        if (!(k in wpick)) continue
        i = wpick[k]; wd++; c = col[w_node[i]]
        printf "set arrow %d from %g,%g to %d,%g head filled size screen 0.006,20 lw 1 lc rgb \"#2ca02c\" front\n", ++arr, c - 0.3, w_t[i], c, w_t[i]
        printf "set label %d %s at %g,%g right front tc rgb \"#2ca02c\" font \",8\"\n", ++lab, q(w_key[i] " " short(w_stamp[i])), c - 0.31, w_t[i]
    }
    # LWW losses: a cross where the write was discarded.
    ld = 0
    sample(nl, l_t, maxm, lpick)
    for (k = 0; k < maxm; k++) if (k in lpick) {
        i = lpick[k]; ld++
        mark("✕", 14, "#d62728", col[l_node[i]], l_t[i], "LWW " l_key[i] ": " short(l_lose[i]) " lost to " short(l_win[i]))
    }
    # HLC jumps: the clock pushed ahead of the node's physical clock.
    hd = 0
    sample(nh, hl_t, maxm, hpick)
    for (k = 0; k < maxm; k++) if (k in hpick) {
        i = hpick[k]; hd++
        mark("◆", 11, "#e07b00", col[hl_node[i]], hl_t[i], "HLC → " short(hl_to[i]) " (wall " short(hl_wall[i]) ")")
    }
    # The node names along the top.
    printf "set x2tics ("
    for (c = 1; c <= ncol; c++) printf "%s%s %d", (c > 1 ? ", " : ""), q(colname[c]), c
    printf ")\n"
    printf "ncols = %d\n", ncol
    printf "packs=%d drawn=%d unapplied=%d writes=%d writes_drawn=%d lww=%d lww_drawn=%d hlc_jumps=%d hlc_drawn=%d\n", np, drawn, lost, nw, wd, nl, ld, nh, hd > summary
}
