/*
 * err.h - the project's error codes.
 *
 * Every function that can fail returns 0 (or a count) on success and a
 * negative number on failure: either -errno, a Berkeley DB code (which lives
 * in -30800..-30999), or one of the MM_ERR_* codes below, which are kept in
 * -1000..-1099 so the three ranges never collide. Expected outcomes such as
 * "key not found" or "lost to a newer write" are results, not errors.
 */
#ifndef MM_ERR_H
#define MM_ERR_H

enum {
    MM_ERR_SHORT = -1001,     /* a frame or record is shorter than it says */
    MM_ERR_VERSION = -1002,   /* unknown wire or record format version */
    MM_ERR_TOOBIG = -1003,    /* key or value over the project's limits */
    MM_ERR_CORRUPT = -1004,   /* bytes that do not decode */
    MM_ERR_CONFIG = -1005,    /* the cluster file is wrong */
    MM_ERR_TIMEOUT = -1006,   /* no reply in time: the outcome is unknown */
    MM_ERR_READONLY = -1007,  /* this node does not take writes */
    MM_ERR_PROTO = -1008,     /* a well-formed but unexpected message */
    MM_ERR_UNKNOWN = -1009,   /* unknown command */
    MM_ERR_NOSPACE = -1010,   /* the caller's buffer is too small */
    MM_ERR_STATE = -1011,     /* call not allowed in the object's state */
    MM_ERR_REMOTE = -1012,    /* the node answered with an error reply */
    MM_ERR_TRUNCATED = -1013, /* the log no longer holds that seq */
    MM_ERR_DENIED = -1014,    /* this key may not do that (security.h) */
};

/* Keys and values larger than these are refused with MM_ERR_TOOBIG. */
#define MM_KEY_MAX 1024
#define MM_VALUE_MAX (1024 * 1024)

/* Node ids (origins) run from 1 to MM_MAX_NODES; 0 means "none". */
#define MM_MAX_NODES 16

/*
 * Returns a static, human-readable description of any code this project's
 * functions return (MM_ERR_*, -errno or a Berkeley DB code).
 */
const char *mm_strerror(int code);

#endif
