/*
 * fuzz.h - what every libFuzzer harness in tests/fuzz shares.
 *
 * A harness is one file with one LLVMFuzzerTestOneInput(): libFuzzer calls
 * it with each input it makes up, over and over, in one process. Beyond
 * "no crash" (AddressSanitizer and UBSan watch every byte read), each
 * harness checks properties of what the parser made of the input: a
 * decoded frame encodes back to the same bytes, a parsed cluster file has
 * unique names, a command fed in pieces parses as it does whole.
 * FUZZ_CHECK() is how a harness says so: a property that does not hold
 * prints the condition and aborts, which libFuzzer reports as a crash and
 * keeps the input that caused it.
 *
 * tests/fuzz/README.md says how to build, run and reproduce.
 */
#ifndef MM_FUZZ_H
#define MM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer's entry points (declared here for -Wmissing-prototypes). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            fuzz_fail(__FILE__, __LINE__, #cond);                              \
    } while (0)

static inline void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: property does not hold: %s\n", file, line, what);
    abort();
}

/*
 * A NUL-terminated heap copy of the input, for parsers that take C
 * strings (the copy ends at the input's first NUL, as a C string would).
 * Exactly size + 1 bytes, so AddressSanitizer sees a read past the end.
 * Caller frees it.
 */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/*
 * Steps through the input line by line: each call returns the next line's
 * start and sets *len to its length without the '\n' (NULL at the end).
 */
static inline const uint8_t *fuzz_next_line(const uint8_t *data, size_t size,
                                            size_t *at, size_t *len)
{
    const uint8_t *start, *nl;

    if (*at >= size)
        return NULL;
    start = data + *at;
    nl = memchr(start, '\n', size - *at);
    *len = nl != NULL ? (size_t)(nl - start) : size - *at;
    *at += *len + (nl != NULL);
    return start;
}

#endif
