/* err.c - descriptions of the codes in err.h. */
#include <string.h>
#include <db.h>
#include "err.h"

const char *mm_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
    case MM_ERR_SHORT:
        return "truncated frame or record";
    case MM_ERR_VERSION:
        return "unknown format version";
    case MM_ERR_TOOBIG:
        return "key or value too large";
    case MM_ERR_CORRUPT:
        return "malformed bytes";
    case MM_ERR_CONFIG:
        return "invalid cluster configuration";
    case MM_ERR_TIMEOUT:
        return "timed out (outcome unknown)";
    case MM_ERR_READONLY:
        return "node is read-only";
    case MM_ERR_PROTO:
        return "unexpected message";
    case MM_ERR_UNKNOWN:
        return "unknown command";
    case MM_ERR_NOSPACE:
        return "buffer too small";
    case MM_ERR_STATE:
        return "not allowed in this state";
    case MM_ERR_REMOTE:
        return "error reply from node";
    case MM_ERR_TRUNCATED:
        return "the replication log was truncated past that point";
    case MM_ERR_DENIED:
        return "not allowed for this key";
    }
    if (code <= -30800 && code >= -30999)
        return db_strerror(code);
    if (code < 0 && code > -4096)
        return strerror(-code);
    return "unknown error";
}
