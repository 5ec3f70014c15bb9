/*
 * dump.h - the dump line format: how every tool prints and parses a node's
 * final state (`mmctl dump` writes it, mm-check and mm-genhistory read and
 * write it). One line per key, in key order:
 *
 *     key<TAB>value<TAB>stamp<TAB>origin<LF>
 *
 *     field   form
 *     ------  ----------------------------------------------------------
 *     key     the key's bytes, escaped (below)
 *     value   the value's bytes, escaped; a tombstone is \N, which an
 *             escaped value can never be (a backslash is always doubled)
 *     stamp   <ms>.<logical>: the HLC's physical milliseconds and its
 *             logical counter, both decimal
 *     origin  the origin node's name, or its id when the name is unknown
 *
 * Escaping keeps a line one line and a field one field: \\ for a
 * backslash, \t \n \r for those bytes, and \xNN (two hex digits) for every
 * other byte outside printable ASCII (0x20-0x7e).
 */
#ifndef MM_DUMP_H
#define MM_DUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "hlc.h"
#include "record.h"

/*
 * Writes one dump line for (key, rec) to out; origin_name may be NULL (the
 * number is printed). Returns 0 or -EIO.
 */
int dump_write_line(FILE *out, const uint8_t *key, size_t klen,
                    const record_t *rec, const char *origin_name);

/* Writes an escaped copy of bytes to out (the escaping above). */
void dump_escape(FILE *out, const uint8_t *bytes, size_t len);

/*
 * Undoes dump_escape in place on a NUL-terminated field; returns the new
 * length, or -1 for a malformed escape.
 */
long dump_unescape(char *s);

/*
 * Parses "<ms>.<logical>" (or just "<ms>") into a stamp. Returns 0, or -1
 * for anything else (a sign, spaces, a logical above HLC_LOGICAL_MAX, ms
 * beyond 48 bits).
 */
int dump_parse_stamp(const char *s, mm_stamp_t *out);

/* One parsed dump line. Its strings point into the line it was parsed
 * from: borrowed, valid as long as that buffer. */
typedef struct {
    const char *key, *value; /* unescaped; value NULL for a tombstone */
    size_t klen, vlen;
    const char *stamp_text, *origin; /* the last two fields, as written */
    mm_stamp_t stamp;
} dump_line_t;

enum {
    DUMP_BAD_FIELDS = -1, /* not exactly 4 tab-separated fields */
    DUMP_BAD_ESCAPE = -2, /* a malformed escape in the key or value */
    DUMP_BAD_STAMP = -3   /* the stamp is not <ms>.<logical> */
};

/*
 * Splits and unescapes one line (without its newline, NUL-terminated) in
 * place. The origin is left as text: the caller knows the node names.
 * Returns 0 or one of the DUMP_BAD_* codes; on an error, fields already
 * split may have been modified.
 */
int dump_parse_line(char *line, dump_line_t *out);

#endif
