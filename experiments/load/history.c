/*
 * history.c - the history file's line format. See history.h; the fields
 * are defined in docs/history.md.
 */
#include <string.h>
#include "history.h"
#include "hlc.h"

/* Writes the n bytes at s as a JSON string. Bytes outside printable ASCII
 * become '?': the history names values, it does not carry binary ones. */
static void s_json_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '"' || ch == '\\')
            fputc('\\', f);
        fputc(ch >= 0x20 && ch < 0x7f ? ch : '?', f);
    }
    fputc('"', f);
}

/* {"t":..,"p":..,"type":..,"f":..,"key":.. : what every operation line
 * opens with. */
static void s_head(FILE *f, const history_op_t *op, const char *type)
{
    fprintf(f, "{\"t\":%lld,\"p\":%d,\"type\":\"%s\",\"f\":\"%s\",\"key\":",
            (long long)op->t, op->client, type, workload_kind_name(op->kind));
    s_json_str(f, op->key, strlen(op->key));
}

/* The value field: what a write wrote, what a read read (only ever from
 * the reply to that read), or null. */
static void s_value(FILE *f, const history_op_t *op, const wire_msg_t *r)
{
    fputs(",\"value\":", f);
    if (op->kind == WORKLOAD_READ && r && r->cmd == WIRE_VALUE) {
        /* Values are "c<client>.<n>", then --value-size padding: 63
         * bytes name the write. */
        size_t n = r->vlen < 63 ? r->vlen : 63;
        s_json_str(f, (const char *)r->value, n);
    } else if (op->kind == WORKLOAD_WRITE) {
        s_json_str(f, op->value, strlen(op->value));
    } else {
        fputs("null", f);
    }
}

void history_invoke(FILE *f, const history_op_t *op)
{
    s_head(f, op, "invoke");
    s_value(f, op, NULL);
    fprintf(f, ",\"node\":\"%s\"}\n", op->node);
}

void history_complete(FILE *f, const history_op_t *op, const char *type,
                      const wire_msg_t *r, const char *origin,
                      const char *error)
{
    s_head(f, op, type);
    s_value(f, op, r);
    fprintf(f, ",\"node\":\"%s\"", op->node);
    if (r && r->stamp)
        fprintf(f, ",\"stamp\":\"%llu.%u\",\"origin\":\"%s\",\"seq\":%llu",
                (unsigned long long)hlc_ms(r->stamp), hlc_logical(r->stamp),
                origin ? origin : "?", (unsigned long long)r->seq);
    if (error) {
        fputs(",\"error\":", f);
        s_json_str(f, error, strlen(error));
    }
    fputs("}\n", f);
}

void history_skip(FILE *f, const history_op_t *op, int late)
{
    s_head(f, op, "skip");
    fprintf(f, ",\"node\":\"%s\"%s}\n", op->node, late ? ",\"late\":true" : "");
}

void history_status(FILE *f, int64_t t, const char *node, const char *applied)
{
    fprintf(f, "{\"t\":%lld,\"type\":\"status\",\"node\":\"%s\",\"applied\":",
            (long long)t, node);
    if (!applied) {
        fputs("null}\n", f);
        return;
    }
    /* "m1:12,m2:7" -> {"m1":12,"m2":7} */
    fputc('{', f);
    const char *p = applied;
    while (*p && *p != '\n') {
        const char *colon = strchr(p, ':');
        if (!colon)
            break;
        fprintf(f, "%s\"%.*s\":", p == applied ? "" : ",", (int)(colon - p), p);
        p = colon + 1;
        while (*p >= '0' && *p <= '9')
            fputc(*p++, f);
        if (*p == ',')
            p++;
    }
    fputs("}}\n", f);
}
