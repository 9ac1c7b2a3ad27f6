/*
 * names.h -- the names the decoder matches: the codes of the enumerated columns and
 * the member names of the sample objects, each with the literal it is matched by
 * (internal).  names.c defines the tables; jv1_names_init() builds the literals.
 */
#ifndef JV1_NAMES_H
#define JV1_NAMES_H

#include "common.h"

/* Up to 16 bytes to compare with two 8-byte loads. */
typedef struct {
    uint64_t w[2], m[2];
    size_t n;
} Lit;

/* A name and its length, and the literal "name" (quoted) it is matched by. */
typedef struct {
    const char *s;
    size_t len;
    Lit quoted;
} Name;
/* A member name, and the literal "name": it is matched by. */
typedef struct {
    const char *name;
    size_t len;
    Lit member;
} Key;

static inline int lit_match(const Lit *l, const uint8_t *p, const uint8_t *end)
{
    if (LIKELY(end - p >= 16)) {
        uint64_t a, b;
        memcpy(&a, p, 8);
        memcpy(&b, p + 8, 8);
        return (((a ^ l->w[0]) & l->m[0]) | ((b ^ l->w[1]) & l->m[1])) == 0;
    }
    return (size_t)(end - p) >= l->n && memcmp(p, l->w, l->n) == 0;
}

static inline int ascii_ieq(const uint8_t *s, size_t len, const Name *word)
{
    size_t i;
    if (len != word->len)
        return 0;
    for (i = 0; i < len; i++) {
        uint8_t ch = s[i], w = (uint8_t)word->s[i];
        if (ch >= 'A' && ch <= 'Z') ch = (uint8_t)(ch + 32);
        if (w >= 'A' && w <= 'Z') w = (uint8_t)(w + 32);
        if (ch != w)
            return 0;
    }
    return 1;
}

/* Codes, in the order of schema.LEVELS, QUALITIES, TYPES and META_TYPES. */
#define N_LEVELS 4
#define N_QUALITIES 2
#define N_TYPES 5
#define N_META_TYPES 2
enum { T_DOUBLE, T_LONG, T_ENUM, T_STRING, T_MINMAX };
enum { M_NUMERIC, M_ENUM, M_NULL = 255 };

/* Member names, in the order the server writes them (the first guess for the next). */
enum { K_TIME, K_SEV, K_STATUS, K_QUALITY, K_META, K_TYPE, K_VALUE, K_MIN, K_MAX, N_SAMPLE_KEYS };
#define REQUIRED                                                                           \
    ((1u << K_TIME) | (1u << K_SEV) | (1u << K_STATUS) | (1u << K_QUALITY) | (1u << K_TYPE) | \
     (1u << K_VALUE))
enum { KS_LEVEL, KS_HASVALUE, N_SEV_KEYS };
enum { KM_TYPE, KM_PRECISION, KM_UNITS, KM_LIM0, KM_STATES = KM_LIM0 + 6, N_META_KEYS };

JV1_HIDDEN_BEGIN
extern Name LEVELS[N_LEVELS];
extern Name QUALITIES[N_QUALITIES];
extern Name TYPES[N_TYPES];
extern Name META_TYPES[N_META_TYPES];
extern Key SAMPLE_KEYS[N_SAMPLE_KEYS];
extern Key SEV_KEYS[N_SEV_KEYS];
extern Key META_KEYS[N_META_KEYS];
/* Spellings of the non-finite doubles, the server's first. */
extern Name NONFINITE[7];

/* Builds the literals of every table; -1 if a name is too long for one. */
int jv1_names_init(void);
JV1_HIDDEN_END

#endif /* JV1_NAMES_H */
