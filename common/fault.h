/*
 * fault.h - the FAULT command's words: what a fault request asks for,
 * parsed from its bytes before anything is changed.
 *
 * A FAULT frame carries the verb as its key and the arguments as its
 * value, text split at whitespace (docs/protocol.md, "Fault injection"):
 *
 *     drop PEER in|out|both   heal      clock OFFSET_MS   delay PEER MS
 *
 * fault_parse() is the pure half: bytes in, a fault_cmd_t or a message
 * out, so every malformed request can be tried without a node (the unit
 * tests and tests/fuzz/fuzz_admin do). Whether PEER names another node of
 * the cluster, and changing the node, is fault_apply()'s half (engine.h,
 * common/fault.c).
 */
#ifndef MM_FAULT_H
#define MM_FAULT_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"

/* Injected clock skew beyond a day would only be a typo. */
#define FAULT_CLOCK_MAX_MS 86400000LL
#define FAULT_DELAY_MAX_MS 600000LL
/* Arguments longer than this are refused, not cut: no request needs it. */
#define FAULT_ARGS_MAX 127

typedef enum {
    FAULT_HEAL = 0,  /* clear every drop and delay (not the clock) */
    FAULT_CLOCK = 1, /* skew this node's clock by ms */
    FAULT_DROP = 2,  /* cut traffic from (in) and/or to (out) peer */
    FAULT_DELAY = 3, /* stream our writes to peer only ms after commit */
} fault_verb_t;

typedef struct {
    fault_verb_t verb;
    char peer[CONFIG_NAME_MAX]; /* drop, delay: the node named, as given */
    int in, out;                /* drop: which directions are cut */
    long long ms;               /* clock: the offset; delay: the delay */
} fault_cmd_t;

/*
 * Parses a FAULT request: verb (klen bytes) and args (alen bytes), neither
 * NUL-terminated. Returns 0 with *out filled, or MM_ERR_PROTO with the
 * reason (the wording docs/protocol.md lists) in msg: an unknown verb, a
 * wrong number of words, a word that is not a number or a direction, a
 * value out of range, a NUL byte, arguments over FAULT_ARGS_MAX bytes.
 */
int fault_parse(const uint8_t *verb, size_t vlen, const uint8_t *args,
                size_t alen, fault_cmd_t *out, char *msg, size_t cap);

/* The verb's name ("drop"). Static storage. */
const char *fault_verb_name(fault_verb_t v);

#endif
