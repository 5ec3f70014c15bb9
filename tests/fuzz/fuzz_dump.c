/*
 * fuzz_dump.c - the dump line format (common/dump.c): the final state of
 * every node that mm-check and mm-genhistory read back.
 *
 * Each line of the input goes to dump_parse_line(), which checks that:
 *
 *   - the answer is one of the DUMP_BAD_* codes or 0, and "not four fields"
 *     is said exactly when the line does not have three tabs;
 *   - a parsed line's key and value lie inside the line, and its stamp
 *     text parses to the stamp it reports;
 *   - written back with dump_write_line(), a parsed line is one line whose
 *     key and value are printable ASCII, and parses to the same key, value
 *     (or tombstone), stamp and origin.
 */
#include "dump.h"
#include "fuzz.h"

/* dump_write_line() of what p says, parsed again, says the same. */
static void s_round_trip(const dump_line_t *p)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    record_t rec = {0};
    dump_line_t again;
    int tabs = 0;

    FUZZ_CHECK(mem != NULL);
    rec.flags = p->value == NULL ? RECORD_TOMBSTONE : 0;
    rec.stamp = p->stamp;
    rec.value = (const uint8_t *)p->value;
    rec.vlen = (uint32_t)p->vlen;
    FUZZ_CHECK(dump_write_line(mem, (const uint8_t *)p->key, p->klen, &rec,
                               p->origin) == 0);
    FUZZ_CHECK(fclose(mem) == 0);
    FUZZ_CHECK(len > 0 && text[len - 1] == '\n');
    text[--len] = '\0';
    FUZZ_CHECK(strlen(text) == len && strchr(text, '\n') == NULL);
    /* Escaped fields are printable ASCII: a field is never cut. */
    for (size_t i = 0; i < len && tabs < 2; i++) {
        if (text[i] == '\t')
            tabs++;
        else
            FUZZ_CHECK(text[i] >= 0x20 && text[i] <= 0x7e);
    }

    FUZZ_CHECK(dump_parse_line(text, &again) == 0);
    FUZZ_CHECK(again.klen == p->klen &&
               memcmp(again.key, p->key, p->klen) == 0);
    FUZZ_CHECK((again.value == NULL) == (p->value == NULL));
    FUZZ_CHECK(again.vlen == p->vlen &&
               (p->vlen == 0 || memcmp(again.value, p->value, p->vlen) == 0));
    FUZZ_CHECK(again.stamp == p->stamp);
    FUZZ_CHECK(strcmp(again.origin, p->origin) == 0);
    free(text);
}

static void s_line(const uint8_t *bytes, size_t n)
{
    char *line = fuzz_cstr(bytes, n);
    size_t len = strlen(line), tabs = 0;
    dump_line_t d;

    for (size_t i = 0; i < len; i++)
        tabs += line[i] == '\t';
    int rc = dump_parse_line(line, &d);
    FUZZ_CHECK(rc == 0 || rc == DUMP_BAD_FIELDS || rc == DUMP_BAD_ESCAPE ||
               rc == DUMP_BAD_STAMP);
    FUZZ_CHECK((rc == DUMP_BAD_FIELDS) == (tabs != 3));
    if (rc == 0) {
        const char *end = line + len;
        mm_stamp_t s;
        FUZZ_CHECK(d.key >= line && d.key + d.klen <= end);
        FUZZ_CHECK(d.value == NULL ||
                   (d.value >= line && d.value + d.vlen <= end));
        FUZZ_CHECK(dump_parse_stamp(d.stamp_text, &s) == 0 && s == d.stamp);
        FUZZ_CHECK(strchr(d.origin, '\t') == NULL);
        s_round_trip(&d);
    }
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *line;
    size_t at = 0, len;

    while ((line = fuzz_next_line(data, size, &at, &len)) != NULL)
        s_line(line, len);
    return 0;
}
