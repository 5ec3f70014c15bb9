/*
 * check_converge.c - convergence: keys whose final record differs between
 * nodes after everything healed (divergent_keys), and how long the nodes
 * took to agree (convergence_ms). docs/metrics.md, section 6.
 */
#include <math.h>
#include "check_internal.h"

static int s_final_eq(const check__final_t *a, const check__final_t *b)
{
    if (a->present != b->present)
        return 0;
    return !a->present || (a->tomb == b->tomb && a->stamp == b->stamp &&
                           a->origin == b->origin && a->vhash == b->vhash);
}

void check__divergence(check_t *c)
{
    for (uint32_t k = 0; k < c->nkeys; k++) {
        int ref = -1, differ = 0;
        for (int n = 0; n < c->nnodes && !differ; n++) {
            if (!(c->dumped & (1u << n)))
                continue;
            if (ref < 0)
                ref = n;
            else
                differ =
                    !s_final_eq(check__final(c, k, ref), check__final(c, k, n));
        }
        if (!differ)
            continue;
        c->r.divergent_keys++;
        if (c->nwit[CHECK_DIVERGENT_KEY] >= CHECK_WITNESS_MAX)
            continue;
        /* Group the nodes that agree: "m1, m2 hold ...; r1 holds ...". */
        check__sb_t s = {.n = 0};
        check__sbf(
            &s, "at the end %s differs between nodes:", check__key_name(c, k));
        uint32_t done = 0;
        for (int n = 0; n < c->nnodes; n++) {
            if (!(c->dumped & (1u << n)) || (done & (1u << n)))
                continue;
            const check__final_t *f = check__final(c, k, n);
            int count = 0;
            for (int m = n; m < c->nnodes; m++)
                if ((c->dumped & (1u << m)) && !(done & (1u << m)) &&
                    s_final_eq(f, check__final(c, k, m))) {
                    done |= 1u << m;
                    check__sbf(&s, "%s%s",
                               count++ ? ", " : (n == ref ? " " : "; "),
                               c->names[m]);
                }
            check__sbf(&s, " %s ", count > 1 ? "hold" : "holds");
            check__sb_value(c, &s, k, f->src, f->present, f->tomb, f->stamp,
                            f->origin);
        }
        check__sbf(&s, ".");
        check__witness(c, CHECK_DIVERGENT_KEY, &s, c->t_max, k);
    }
}

/* From the last disturbance (load end or heal) to the converged event. */
void check__convergence(check_t *c)
{
    int64_t quiet = c->have_load_end ? c->load_end : c->last_done;
    for (size_t k = 0; k < c->nwin; k++)
        if (c->win[k].stop > quiet)
            quiet = c->win[k].stop;
    c->r.convergence_ms =
        c->have_converged ? (double)(c->converged - quiet) / 1e6 : NAN;
}
