/*
 * parse.h -- the reading side of the decoder (internal): the parse context, the row
 * being parsed, the caches of repeated objects, and the JSON readers of lex.c,
 * strings.c, numbers.c and meta.c (sample.c reads whole samples with them).
 *
 * Every reader takes the Ctx and a cursor (const uint8_t **pp) and returns a J_*
 * code; J_ERROR leaves a message, a field name and a byte position in the Ctx.
 */
#ifndef JV1_PARSE_H
#define JV1_PARSE_H

#include "buf.h"
#include "common.h"
#include "names.h"

/* The metaData of the previous sample: the server repeats it in every sample, and
 * the same bytes decode to the same values, so they are compared, not parsed. */
#define META_CACHE_MAX 2048
typedef struct {
    Buf raw;    /* the JSON text of the value; empty: nothing cached */
    Buf units;  /* the units bytes */
    Buf states; /* the state bytes, and their int32 end offsets from 0 */
    Buf state_ends;
    double lim[6];
    int32_t precision;
    unsigned valid;
    uint8_t meta;
} MetaCache;

/* Bits of Row.valid: which nullable metadata columns are set (1 << KM_*). */
#define V_PREC (1u << KM_PRECISION)
#define V_UNITS (1u << KM_UNITS)
#define V_LIM(i) (1u << (KM_LIM0 + (i)))
#define V_STATES (1u << KM_STATES)
#define V_NUMERIC (V_PREC | V_UNITS | (0x3Fu << KM_LIM0))

typedef struct {
    int64_t time;
    double minimum, maximum, lim[6];
    int32_t precision;
    unsigned seen, valid;
    uint8_t sev, hasval, quality, type, meta;
} Row;

/* The severity object of the previous sample. */
typedef struct {
    uint8_t raw[64];
    size_t len;
    uint8_t sev, hasval;
} SevCache;

typedef struct {
    const uint8_t *end;
    Buf *bufs;
    Buf *scratch;
    MetaCache *meta_cache;
    SevCache *sev_cache;
    Row row;
    const uint8_t *errpos;
    const char *field;
    char keyname[48]; /* an unknown field's name, for messages */
    char msg[160];
} Ctx;

/* A lexed JSON number (numbers.c). */
typedef struct {
    const uint8_t *start, *end; /* the token */
    uint64_t mant;              /* the first 19 significant digits */
    int64_t exp10;              /* value = mant * 10^exp10, unless inexact */
    int ndig, inexact, neg, integral;
} Num;

#define IS_WS(ch) ((ch) == ' ' || (ch) == '\n' || (ch) == '\r' || (ch) == '\t')
#define IS_DIGIT(ch) ((uint8_t)((ch) - '0') < 10)
#define SKIP_WS(c, p)                                   \
    do {                                                \
        while ((p) < (c)->end && IS_WS(*(p)))           \
            (p)++;                                      \
        if (UNLIKELY((p) >= (c)->end))                  \
            return J_INCOMPLETE;                        \
    } while (0)

JV1_HIDDEN_BEGIN
/* lex.c: errors, literals, objects, arrays, member names, skipping values */
int jv1_fail(Ctx *c, const uint8_t *pos, const char *field, const char *fmt, ...)
    PRINTF_LIKE(4, 5);
const char *jv1_kind_of(uint8_t ch);
const char *jv1_printable(Ctx *c, const uint8_t *s, size_t len);
int jv1_literal(Ctx *c, const uint8_t **pp, const char *word, size_t wl, const char *field);
int jv1_parse_bool(Ctx *c, const uint8_t **pp, uint8_t *out, const char *field);
int jv1_obj_open(Ctx *c, const uint8_t **pp, const char *field);
int jv1_obj_next(Ctx *c, const uint8_t **pp, const char *field);
int jv1_arr_open(Ctx *c, const uint8_t **pp, const char *field);
int jv1_arr_next(Ctx *c, const uint8_t **pp, const char *field);
int jv1_skip_value(Ctx *c, const uint8_t **pp, int depth, const char *field);
int jv1_skip_unknown(Ctx *c, const uint8_t **pp, const uint8_t *k, size_t kl);
int jv1_read_key(Ctx *c, const uint8_t **pp, const Key *keys, int nkeys, int hint, int *id,
                 const uint8_t **k, size_t *kl, const char *field);

/* strings.c: strings, escapes, UTF-8, codes */
void jv1_strings_init(void);
int jv1_scan_string(Ctx *c, const uint8_t *p, const uint8_t **close, int *plain,
                    const char *field);
int jv1_decode_string(Ctx *c, const uint8_t *s, const uint8_t *e, Buf *out, const char *field);
int jv1_get_str(Ctx *c, const uint8_t **pp, const uint8_t **sp, size_t *len, const char *field);
int jv1_put_string(Ctx *c, const uint8_t **pp, Buf *data, Buf *offs, const char *field);
int jv1_parse_code(Ctx *c, const uint8_t **pp, const Name *names, int count, uint8_t *out,
                   const char *field);

/* numbers.c: int64 and correctly rounded doubles */
int jv1_numbers_init(void);
int jv1_lex_number(Ctx *c, const uint8_t **pp, Num *n, const char *field);
int jv1_parse_int(Ctx *c, const uint8_t **pp, int64_t *out, const char *field);
int jv1_parse_double(Ctx *c, const uint8_t **pp, double *out, const char *field);

/* meta.c: the objects every sample repeats (metaData, severity), cached */
int jv1_parse_meta(Ctx *c, const uint8_t **pp);
int jv1_parse_severity(Ctx *c, const uint8_t **pp);
JV1_HIDDEN_END

static inline int check_offset(Ctx *c, const Buf *b, const uint8_t *pos, const char *field)
{
    if (b->len > (size_t)INT32_MAX)
        return jv1_fail(c, pos, field,
                        "page too large for 32-bit Arrow offsets; use a smaller page_size");
    return J_OK;
}

/* The index of the name that the string at p spells exactly, or -1. */
static inline int exact_name(Ctx *c, const uint8_t *p, const Name *names, int count)
{
    int i;
    for (i = 0; i < count; i++)
        if (lit_match(&names[i].quoted, p, c->end))
            return i;
    return -1;
}

#endif /* JV1_PARSE_H */
