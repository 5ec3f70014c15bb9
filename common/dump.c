/*
 * dump.c - the dump line format: escaping, writing and parsing a line of a
 * node's final state. See dump.h for the format; this file is the only
 * place it is written or read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dump.h"

void dump_escape(FILE *out, const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t ch = b[i];
        switch (ch) {
        case '\\':
            fputs("\\\\", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        default:
            if (ch < 0x20 || ch > 0x7e)
                fprintf(out, "\\x%02x", ch);
            else
                fputc(ch, out);
        }
    }
}

int dump_write_line(FILE *out, const uint8_t *key, size_t klen,
                    const record_t *rec, const char *origin_name)
{
    dump_escape(out, key, klen);
    fputc('\t', out);
    if (record_is_tombstone(rec))
        fputs("\\N", out);
    else
        dump_escape(out, rec->value, rec->vlen);
    fprintf(out, "\t%llu.%u\t", (unsigned long long)hlc_ms(rec->stamp),
            hlc_logical(rec->stamp));
    if (origin_name)
        fputs(origin_name, out);
    else
        fprintf(out, "%u", rec->origin);
    fputc('\n', out);
    return ferror(out) ? -EIO : 0;
}

static int s_hex(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

long dump_unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r != '\\') {
            *w++ = *r;
            continue;
        }
        r++;
        switch (*r) {
        case '\\':
            *w++ = '\\';
            break;
        case 't':
            *w++ = '\t';
            break;
        case 'n':
            *w++ = '\n';
            break;
        case 'r':
            *w++ = '\r';
            break;
        case 'x': {
            int hi = s_hex(r[1]), lo = hi < 0 ? -1 : s_hex(r[2]);
            if (hi < 0 || lo < 0)
                return -1;
            *w++ = (char)(hi << 4 | lo);
            r += 2;
            break;
        }
        default:
            return -1;
        }
    }
    *w = '\0';
    return (long)(w - s);
}

int dump_parse_stamp(const char *s, mm_stamp_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long ms = strtoull(s, &end, 10);
    unsigned long logical = 0;
    if (*end == '.') {
        const char *l = end + 1;
        if (*l < '0' || *l > '9')
            return -1;
        logical = strtoul(l, &end, 10);
    }
    if (*end || errno || ms >> 48 || logical > HLC_LOGICAL_MAX)
        return -1;
    *out = hlc_make(ms, (uint32_t)logical);
    return 0;
}

int dump_parse_line(char *line, dump_line_t *out)
{
    char *field[4];
    int nf = 0;
    field[nf++] = line;
    for (char *s = line; *s; s++)
        if (*s == '\t') {
            if (nf == 4)
                return DUMP_BAD_FIELDS;
            *s = '\0';
            field[nf++] = s + 1;
        }
    if (nf != 4)
        return DUMP_BAD_FIELDS;
    memset(out, 0, sizeof *out);
    int tomb = !strcmp(field[1], "\\N");
    long klen = dump_unescape(field[0]);
    long vlen = tomb ? 0 : dump_unescape(field[1]);
    if (klen < 0 || vlen < 0)
        return DUMP_BAD_ESCAPE;
    out->key = field[0];
    out->klen = (size_t)klen;
    out->value = tomb ? NULL : field[1];
    out->vlen = (size_t)vlen;
    out->stamp_text = field[2];
    out->origin = field[3];
    return dump_parse_stamp(field[2], &out->stamp) < 0 ? DUMP_BAD_STAMP : 0;
}
