/*
 * mm_check.c - mm-check: judges one run. It reads the history and every
 * node's final dump, feeds them line by line to the checker (check.h, where
 * every metric is computed; docs/metrics.md defines them), writes
 * summary.json and the plot data, and prints a short summary.
 *
 * Exit status: 0 the run met its thresholds, 1 it did not, 2 bad usage or
 * unreadable input. A malformed history line is reported with its line
 * number, skipped and counted (history_errors); it does not stop the check,
 * but it fails the verdict unless a threshold allows history errors.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "check.h"

#define MAX_THRESHOLDS 64
#define ERRORS_SHOWN 20

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: mm-check --history FILE --dumps DIR --nodes m1,m2,r1 "
            "[options]\n"
            "\n"
            "Checks a run's history against the final dump of every node.\n"
            "  --history FILE     the run's history.jsonl "
            "(docs/history.md)\n"
            "  --dumps DIR        holds NODE.dump (`mmctl dump`) for every "
            "node\n"
            "  --nodes LIST       node names in `mmctl nodes` order (node id "
            "= position)\n"
            "  --scenario NAME    recorded in summary.json\n"
            "  --seed N           recorded in summary.json\n"
            "  --threshold EXPR   e.g. 'availability.write >= 0.99' "
            "(repeatable);\n"
            "                     lost_writes.total == 0, "
            "divergent_keys == 0 and\n"
            "                     history_errors == 0 always apply "
            "unless a threshold\n"
            "                     names them\n"
            "  --out DIR          where summary.json, series.csv, "
            "latency.csv, lag.csv\n"
            "                     and faults.csv go (default: the history's "
            "directory)\n"
            "  --quiet            no summary on stdout\n"
            "Exit: 0 thresholds met, 1 not met, 2 usage or input error.\n"
            "Metrics (docs/metrics.md):\n");
    for (const char *const *m = check_metric_names(); *m; m++)
        fprintf(out, "  %s\n", *m);
}

/* Splits "m1,m2,r1" into names (pointing into buf). */
static int s_split_nodes(char *buf, const char **names, int max)
{
    int n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        if (n == max)
            return -1;
        names[n++] = t;
    }
    return n;
}

static int s_feed_history(check_t *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "mm-check: cannot read %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long long lineno = 0, errors = 0;
    char err[512];
    int rc = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        int r = check_feed_history_line(c, line, (size_t)len, err, sizeof err);
        if (r == -ENOMEM) {
            fprintf(stderr, "mm-check: out of memory at %s:%llu\n", path,
                    lineno);
            rc = -1;
            break;
        }
        if (r < 0 && ++errors <= ERRORS_SHOWN)
            fprintf(stderr, "mm-check: %s:%llu: %s (line skipped)\n", path,
                    lineno, err);
    }
    if (errors > ERRORS_SHOWN)
        fprintf(stderr, "mm-check: %s: %llu more malformed lines\n", path,
                errors - ERRORS_SHOWN);
    if (ferror(f)) {
        fprintf(stderr, "mm-check: error reading %s\n", path);
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

static int s_feed_dump(check_t *c, const char *dir, const char *node)
{
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/%s.dump", dir, node);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "mm-check: cannot read the dump of %s, %s: %s\n", node,
                path, strerror(errno));
        return -1;
    }
    if (check_begin_dump(c, node, err, sizeof err) < 0) {
        fprintf(stderr, "mm-check: %s\n", err);
        fclose(f);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long long lineno = 0, errors = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        int r = check_feed_dump_line(c, line, (size_t)len, err, sizeof err);
        if (r == -ENOMEM) {
            fprintf(stderr, "mm-check: out of memory at %s:%llu\n", path,
                    lineno);
            free(line);
            fclose(f);
            return -1;
        }
        if (r < 0 && ++errors <= ERRORS_SHOWN)
            fprintf(stderr, "mm-check: %s:%llu: %s (line skipped)\n", path,
                    lineno, err);
    }
    free(line);
    fclose(f);
    return 0;
}

typedef int (*s_writer_fn)(const check_t *c, FILE *out);

static int s_write(const check_t *c, const char *dir, const char *name,
                   s_writer_fn fn)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "mm-check: cannot write %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    int rc = fn(c, f);
    if (fclose(f) != 0 || rc < 0) {
        fprintf(stderr, "mm-check: error writing %s\n", path);
        return -1;
    }
    return 0;
}

/* The command line, once read. */
typedef struct {
    const char *history, *dumps, *nodes, *out;
    const char *thresholds[MAX_THRESHOLDS];
    int nth, quiet;
} args_t;

/* Reads the options into a and o. Returns -1 to go on, else the exit
 * status (0 after --help, 2 for a usage error). */
static int s_args(int argc, char **argv, args_t *a, check_opts_t *o)
{
    static const struct option lo[] = {
        {"history", 1, 0, 'H'}, {"dumps", 1, 0, 'd'},
        {"nodes", 1, 0, 'n'},   {"scenario", 1, 0, 's'},
        {"seed", 1, 0, 'S'},    {"threshold", 1, 0, 't'},
        {"out", 1, 0, 'o'},     {"quiet", 0, 0, 'q'},
        {"help", 0, 0, 'h'},    {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (ch) {
        case 'H':
            a->history = optarg;
            break;
        case 'd':
            a->dumps = optarg;
            break;
        case 'n':
            a->nodes = optarg;
            break;
        case 's':
            o->scenario = optarg;
            break;
        case 'S': {
            char *end;
            errno = 0;
            o->seed = strtoull(optarg, &end, 10);
            if (*end || errno || *optarg == '-') {
                fprintf(stderr, "mm-check: --seed must be a number\n");
                return 2;
            }
            o->have_seed = 1;
            break;
        }
        case 't':
            if (a->nth == MAX_THRESHOLDS) {
                fprintf(stderr, "mm-check: at most %d thresholds\n",
                        MAX_THRESHOLDS);
                return 2;
            }
            a->thresholds[a->nth++] = optarg;
            break;
        case 'o':
            a->out = optarg;
            break;
        case 'q':
            a->quiet = 1;
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            s_usage(stderr);
            return 2;
        }
    }
    if (!a->history || !a->dumps || !a->nodes || optind != argc) {
        s_usage(stderr);
        return 2;
    }
    return -1;
}

int main(int argc, char **argv)
{
    args_t a = {0};
    check_opts_t o = {0};
    int rc = s_args(argc, argv, &a, &o);
    if (rc >= 0)
        return rc;
    const char *history = a.history, *dumps = a.dumps, *out = a.out;
    char nodebuf[1024], outbuf[4096], err[512];
    const char *names[MM_MAX_NODES];
    snprintf(nodebuf, sizeof nodebuf, "%s", a.nodes);
    o.nodes = names;
    o.nnodes = s_split_nodes(nodebuf, names, MM_MAX_NODES);
    if (o.nnodes <= 0) {
        fprintf(stderr, "mm-check: --nodes needs 1 to %d names\n",
                MM_MAX_NODES);
        return 2;
    }
    if (!out) {
        /* Default: next to the history, where the run keeps its files. */
        snprintf(outbuf, sizeof outbuf, "%s", history);
        char *slash = strrchr(outbuf, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(outbuf, sizeof outbuf, ".");
        out = outbuf;
    }
    check_t *c = check_new(&o, err, sizeof err);
    if (!c) {
        fprintf(stderr, "mm-check: %s\n", err);
        return 2;
    }
    int status = 2;
    for (int i = 0; i < a.nth; i++)
        if (check_add_threshold(c, a.thresholds[i], err, sizeof err) < 0) {
            fprintf(stderr, "mm-check: %s\n", err);
            goto done;
        }
    if (s_feed_history(c, history) < 0)
        goto done;
    for (int i = 0; i < o.nnodes; i++)
        if (s_feed_dump(c, dumps, names[i]) < 0)
            goto done;
    if (check_finish(c) < 0) {
        fprintf(stderr, "mm-check: out of memory\n");
        goto done;
    }
    if (mkdir(out, 0777) < 0 && errno != EEXIST) {
        fprintf(stderr, "mm-check: cannot create %s: %s\n", out,
                strerror(errno));
        goto done;
    }
    if (s_write(c, out, "summary.json", check_write_summary) < 0 ||
        s_write(c, out, "series.csv", check_write_series_csv) < 0 ||
        s_write(c, out, "latency.csv", check_write_latency_csv) < 0 ||
        s_write(c, out, "lag.csv", check_write_lag_csv) < 0 ||
        s_write(c, out, "faults.csv", check_write_faults_csv) < 0)
        goto done;
    if (!a.quiet)
        check_write_report(c, stdout);
    status = check_results(c)->passed ? 0 : 1;
done:
    check_destroy(&c);
    return status;
}
