/*
 * _jsonv1.c -- one-pass decoder of Cassandra PV Archiver "JsonV1" sample arrays
 * (the body of GET .../archive/1/samples/<channel>) into Arrow column buffers.
 *
 * A Decoder keeps the column buffers of one page of rows.  Decoder.parse() consumes
 * as many complete sample objects of a byte buffer as fit in the page, stopping
 * before an object the buffer cuts short, so a body can be fed in chunks of any size.
 * Decoder.take() hands the page over, without copying, as buffer objects laid out as
 * Arrow buffers, and starts the next page.  The scan runs without the GIL.
 *
 * Internal functions return one of the J_* codes; J_ERROR leaves a message, a field
 * name and a byte position in the Ctx.  Every function that reads input checks
 * against the end of the buffer: reaching it inside an object means "incomplete",
 * and the caller rolls the half-parsed row back.
 *
 * Speed comes from the server's habits, never at the cost of generality: member
 * names are first matched as the literal the server writes next ("time": after '{'),
 * and the severity and metaData objects, which the server repeats in every sample,
 * are compared with the previous sample's bytes before being parsed.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__APPLE__) || defined(__FreeBSD__)
#include <xlocale.h>
#endif

#if defined(__GLIBC__) || defined(__APPLE__) || defined(__FreeBSD__)
#define HAVE_STRTOD_L 1
#endif

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define PRINTF_LIKE(f, a)
#define LIKELY(x) (x)
#define UNLIKELY(x) (x)
#endif

#define J_OK 0
#define J_INCOMPLETE 1 /* the buffer ends before the value does */
#define J_ERROR 2      /* invalid input; Ctx holds the message */
#define J_NOMEM 3
#define J_END 4 /* obj_* / arr_*: the object or array closed */

#define MAX_DEPTH 512 /* nesting of unknown values we skip */

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
#define NAME(s) {s, sizeof(s) - 1, {{0, 0}, {0, 0}, 0}}
#define KEY(s) NAME(s)

static int lit_init(Lit *l, const char *prefix, const char *s, size_t n, const char *suffix)
{
    uint8_t w[16] = {0}, m[16] = {0};
    size_t a = strlen(prefix), z = strlen(suffix);
    if (a + n + z > sizeof w)
        return -1;
    memcpy(w, prefix, a);
    memcpy(w + a, s, n);
    memcpy(w + a + n, suffix, z);
    memset(m, 0xFF, a + n + z);
    memcpy(l->w, w, 16);
    memcpy(l->m, m, 16);
    l->n = a + n + z;
    return 0;
}

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

/* Codes, in the order of schema.LEVELS, QUALITIES, TYPES and META_TYPES. */
static Name LEVELS[] = {NAME("OK"), NAME("MINOR"), NAME("MAJOR"), NAME("INVALID")};
static Name QUALITIES[] = {NAME("Original"), NAME("Interpolated")};
static Name TYPES[] = {NAME("double"), NAME("long"), NAME("enum"), NAME("string"),
                             NAME("minMaxDouble")};
static Name META_TYPES[] = {NAME("numeric"), NAME("enum")};
#define N_LEVELS 4
#define N_QUALITIES 2
#define N_TYPES 5
#define N_META_TYPES 2
enum { T_DOUBLE, T_LONG, T_ENUM, T_STRING, T_MINMAX };
enum { M_NUMERIC, M_ENUM, M_NULL = 255 };

/* Member names, in the order the server writes them (the first guess for the next). */
enum { K_TIME, K_SEV, K_STATUS, K_QUALITY, K_META, K_TYPE, K_VALUE, K_MIN, K_MAX, N_SAMPLE_KEYS };
static Key SAMPLE_KEYS[N_SAMPLE_KEYS] = {
    KEY("time"),     KEY("severity"), KEY("status"),  KEY("quality"), KEY("metaData"),
    KEY("type"),     KEY("value"),    KEY("minimum"), KEY("maximum")};
#define REQUIRED                                                                           \
    ((1u << K_TIME) | (1u << K_SEV) | (1u << K_STATUS) | (1u << K_QUALITY) | (1u << K_TYPE) | \
     (1u << K_VALUE))
enum { KS_LEVEL, KS_HASVALUE, N_SEV_KEYS };
static Key SEV_KEYS[N_SEV_KEYS] = {KEY("level"), KEY("hasValue")};
enum { KM_TYPE, KM_PRECISION, KM_UNITS, KM_LIM0, KM_STATES = KM_LIM0 + 6, N_META_KEYS };
static Key META_KEYS[N_META_KEYS] = {
    KEY("type"),     KEY("precision"), KEY("units"),    KEY("displayLow"), KEY("displayHigh"),
    KEY("warnLow"),  KEY("warnHigh"),  KEY("alarmLow"), KEY("alarmHigh"),  KEY("states")};
static const char *const META_FIELDS[N_META_KEYS] = {
    "metaData.type",    "metaData.precision", "metaData.units",       "metaData.displayLow",
    "metaData.displayHigh", "metaData.warnLow", "metaData.warnHigh",  "metaData.alarmLow",
    "metaData.alarmHigh",   "metaData.states"};

#ifdef HAVE_STRTOD_L
static locale_t c_locale; /* strtod must not follow a caller's LC_NUMERIC */
#endif

/* ---------------------------------------------------------------- buffers */

typedef struct {
    char *p;
    size_t len;
    size_t cap;
} Buf;

static int buf_grow(Buf *b, size_t extra)
{
    size_t want = b->len + extra, cap = b->cap ? b->cap : 1024;
    char *np;
    if (want < b->len)
        return J_NOMEM;
    while (cap < want) {
        if (cap > SIZE_MAX / 2)
            return J_NOMEM;
        cap *= 2;
    }
    np = (char *)realloc(b->p, cap);
    if (np == NULL)
        return J_NOMEM;
    b->p = np;
    b->cap = cap;
    return J_OK;
}

static inline int buf_reserve(Buf *b, size_t extra)
{
    return (b->cap - b->len >= extra) ? J_OK : buf_grow(b, extra);
}

#define DEFINE_PUT(name, T)                                                  \
    static inline int name(Buf *b, T v)                                      \
    {                                                                        \
        if (UNLIKELY(b->cap - b->len < sizeof(T)) && buf_grow(b, sizeof(T))) \
            return J_NOMEM;                                                  \
        memcpy(b->p + b->len, &v, sizeof(T));                                \
        b->len += sizeof(T);                                                 \
        return J_OK;                                                         \
    }
/* For the row-level buffers, whose room for the row is reserved beforehand. */
#define PUT_ROW(b, T, v)                          \
    do {                                          \
        T _v = (v);                               \
        memcpy((b)->p + (b)->len, &_v, sizeof(T)); \
        (b)->len += sizeof(T);                    \
    } while (0)

DEFINE_PUT(put_i64, int64_t)
DEFINE_PUT(put_i32, int32_t)
DEFINE_PUT(put_f64, double)
DEFINE_PUT(put_u8, uint8_t)
DEFINE_PUT(put_u16, uint16_t)

/* The column buffers of one page.  Row-level buffers get one entry per committed
 * row; child buffers (string bytes, list elements) grow while a row is parsed and
 * are rolled back with the row. */
enum {
    B_TIME, B_SEV, B_HASVAL, B_STATUS_OFF, B_STATUS, B_QUALITY, B_TYPE,
    B_VD_OFF, B_VD, B_VL_OFF, B_VL, B_VE_OFF, B_VE, B_VS_OFF, B_VS_SOFF, B_VS,
    B_MIN, B_MAX, B_META, B_PREC, B_UNITS_OFF, B_UNITS,
    B_LIM0, B_LIM1, B_LIM2, B_LIM3, B_LIM4, B_LIM5, B_VALID,
    B_ST_OFF, B_ST_SOFF, B_ST,
    NBUF
};
static const int OFFSET_BUFS[] = {B_STATUS_OFF, B_VD_OFF,    B_VL_OFF,  B_VE_OFF, B_VS_OFF,
                                  B_VS_SOFF,    B_UNITS_OFF, B_ST_OFF, B_ST_SOFF};
#define N_OFFSET_BUFS ((int)(sizeof OFFSET_BUFS / sizeof OFFSET_BUFS[0]))
/* Bytes per row of the row-level buffers (0: a child buffer). */
static const size_t ROW_SIZE[NBUF] = {
    [B_TIME] = 8,    [B_SEV] = 1,     [B_HASVAL] = 1,    [B_STATUS_OFF] = 4, [B_QUALITY] = 1,
    [B_TYPE] = 1,    [B_VD_OFF] = 4,  [B_VL_OFF] = 4,    [B_VE_OFF] = 4,     [B_VS_OFF] = 4,
    [B_MIN] = 8,     [B_MAX] = 8,     [B_META] = 1,      [B_PREC] = 4,       [B_UNITS_OFF] = 4,
    [B_LIM0] = 8,    [B_LIM1] = 8,    [B_LIM2] = 8,      [B_LIM3] = 8,       [B_LIM4] = 8,
    [B_LIM5] = 8,    [B_VALID] = 2,   [B_ST_OFF] = 4};
/* The child buffers, rolled back with a sample cut short. */
static const int CHILD_BUFS[] = {B_STATUS, B_VD, B_VL, B_VE, B_VS_SOFF, B_VS,
                                 B_UNITS,  B_ST_SOFF, B_ST};
#define N_CHILD_BUFS ((int)(sizeof CHILD_BUFS / sizeof CHILD_BUFS[0]))

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

static int fail(Ctx *c, const uint8_t *pos, const char *field, const char *fmt, ...)
    PRINTF_LIKE(4, 5);

static int fail(Ctx *c, const uint8_t *pos, const char *field, const char *fmt, ...)
{
    va_list ap;
    c->errpos = pos;
    c->field = field;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    return J_ERROR;
}

static const char *kind_of(uint8_t ch)
{
    switch (ch) {
    case '"': return "a string";
    case '{': return "an object";
    case '[': return "an array";
    case 't': case 'f': return "a boolean";
    case 'n': return "null";
    default:
        return (ch == '-' || (ch >= '0' && ch <= '9')) ? "a number" : "invalid JSON";
    }
}

/* ------------------------------------------------------------- lexing */

#define IS_WS(ch) ((ch) == ' ' || (ch) == '\n' || (ch) == '\r' || (ch) == '\t')
#define IS_DIGIT(ch) ((uint8_t)((ch) - '0') < 10)
#define SKIP_WS(c, p)                                   \
    do {                                                \
        while ((p) < (c)->end && IS_WS(*(p)))           \
            (p)++;                                      \
        if (UNLIKELY((p) >= (c)->end))                  \
            return J_INCOMPLETE;                        \
    } while (0)

static Name NONFINITE[7];

/* 1 for the bytes that end the fast path of a string scan. */
static uint8_t STR_SPECIAL[256];

static int init_names(Name *names, size_t count)
{
    size_t i;
    for (i = 0; i < count; i++)
        if (lit_init(&names[i].quoted, "\"", names[i].s, names[i].len, "\""))
            return -1;
    return 0;
}

static int init_keys(Key *keys, size_t count)
{
    size_t i;
    for (i = 0; i < count; i++)
        if (lit_init(&keys[i].member, "\"", keys[i].name, keys[i].len, "\":"))
            return -1;
    return 0;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int init_tables(void)
{
    int i;
    for (i = 0; i < 256; i++)
        STR_SPECIAL[i] = (uint8_t)(i < 0x20 || i >= 0x80 || i == '"' || i == '\\');
    return init_names(LEVELS, COUNT(LEVELS)) || init_names(QUALITIES, COUNT(QUALITIES)) ||
           init_names(TYPES, COUNT(TYPES)) || init_names(META_TYPES, COUNT(META_TYPES)) ||
           init_names(NONFINITE, COUNT(NONFINITE)) ||
           init_keys(SAMPLE_KEYS, COUNT(SAMPLE_KEYS)) || init_keys(SEV_KEYS, COUNT(SEV_KEYS)) ||
           init_keys(META_KEYS, COUNT(META_KEYS));
}

/* *p is the opening quote.  On J_OK *close is the closing quote and *plain tells
 * whether the content is printable ASCII without escapes (usable as it is). */
static int scan_string(Ctx *c, const uint8_t *p, const uint8_t **close, int *plain,
                       const char *field)
{
    const uint8_t *s = p + 1, *end = c->end;
    int pl = 1;
    for (;;) {
        while (s < end && !STR_SPECIAL[*s])
            s++;
        if (s >= end)
            return J_INCOMPLETE;
        if (*s == '"')
            break;
        if (*s == '\\') {
            pl = 0;
            if (end - s < 2)
                return J_INCOMPLETE;
            s += 2;
        } else if (*s < 0x20) {
            return fail(c, s, field, "raw control character 0x%02x in a string", *s);
        } else {
            pl = 0;
            s++;
        }
    }
    *close = s;
    *plain = pl;
    return J_OK;
}

static int hex4(const uint8_t *s, uint32_t *out)
{
    uint32_t v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        uint8_t h = s[i];
        v <<= 4;
        if (h >= '0' && h <= '9') v |= (uint32_t)(h - '0');
        else if (h >= 'a' && h <= 'f') v |= (uint32_t)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') v |= (uint32_t)(h - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* Length of the valid UTF-8 sequence at s (s < e), or 0 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). e is never read. */
static size_t utf8_seq(const uint8_t *s, const uint8_t *e)
{
    size_t avail = (size_t)(e - s);
    uint8_t c0 = s[0], lo = 0x80, hi = 0xBF;
#define CONT(b) ((uint8_t)((b) - 0x80) < 0x40)
    if (c0 >= 0xC2 && c0 <= 0xDF)
        return (avail >= 2 && CONT(s[1])) ? 2 : 0;
    if (c0 >= 0xE0 && c0 <= 0xEF) {
        if (c0 == 0xE0) lo = 0xA0;
        else if (c0 == 0xED) hi = 0x9F;
        return (avail >= 3 && s[1] >= lo && s[1] <= hi && CONT(s[2])) ? 3 : 0;
    }
    if (c0 >= 0xF0 && c0 <= 0xF4) {
        if (c0 == 0xF0) lo = 0x90;
        else if (c0 == 0xF4) hi = 0x8F;
        return (avail >= 4 && s[1] >= lo && s[1] <= hi && CONT(s[2]) && CONT(s[3])) ? 4 : 0;
    }
    return 0;
#undef CONT
}

static uint8_t *put_utf8(uint8_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        *o++ = (uint8_t)cp;
    } else if (cp < 0x800) {
        *o++ = (uint8_t)(0xC0 | (cp >> 6));
        *o++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (uint8_t)(0xE0 | (cp >> 12));
        *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (uint8_t)(0xF0 | (cp >> 18));
        *o++ = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (uint8_t)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* Appends the content [s, e) of a scanned string (e at the closing quote) to out,
 * unescaped and validated.  The output is never longer than the input. */
static int decode_string(Ctx *c, const uint8_t *s, const uint8_t *e, Buf *out,
                         const char *field)
{
    uint8_t *o;
    if (buf_reserve(out, (size_t)(e - s)))
        return J_NOMEM;
    o = (uint8_t *)out->p + out->len;
    while (s < e) {
        uint8_t ch = *s;
        if (ch < 0x80 && ch != '\\') {
            *o++ = ch;
            s++;
        } else if (ch == '\\') {
            /* scan_string guarantees s[1] is before the closing quote */
            switch (s[1]) {
            case '"': case '\\': case '/': *o++ = s[1]; s += 2; break;
            case 'b': *o++ = '\b'; s += 2; break;
            case 'f': *o++ = '\f'; s += 2; break;
            case 'n': *o++ = '\n'; s += 2; break;
            case 'r': *o++ = '\r'; s += 2; break;
            case 't': *o++ = '\t'; s += 2; break;
            case 'u': {
                uint32_t cp, lo;
                if (e - s < 6 || hex4(s + 2, &cp))
                    return fail(c, s, field, "invalid \\u escape in a string");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (e - s < 12 || s[6] != '\\' || s[7] != 'u' || hex4(s + 8, &lo) ||
                        lo < 0xDC00 || lo > 0xDFFF)
                        return fail(c, s, field, "unpaired UTF-16 surrogate in a string");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    s += 12;
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return fail(c, s, field, "unpaired UTF-16 surrogate in a string");
                } else {
                    s += 6;
                }
                o = put_utf8(o, cp);
                break;
            }
            default:
                return fail(c, s, field, "invalid escape in a string");
            }
        } else {
            size_t n = utf8_seq(s, e);
            if (n == 0)
                return fail(c, s, field, "invalid UTF-8 in a string");
            memcpy(o, s, n);
            o += n;
            s += n;
        }
    }
    out->len = (size_t)((char *)o - out->p);
    return J_OK;
}

/* Reads the string at *pp (a quote).  The result (sp, len) points into the input when it needs no
 * decoding, else into the scratch buffer (valid until the next get_str). */
static int get_str(Ctx *c, const uint8_t **pp, const uint8_t **sp, size_t *len,
                   const char *field)
{
    const uint8_t *p = *pp, *close;
    int plain, rc = scan_string(c, p, &close, &plain, field);
    if (rc)
        return rc;
    if (plain) {
        *sp = p + 1;
        *len = (size_t)(close - p - 1);
    } else {
        c->scratch->len = 0;
        rc = decode_string(c, p + 1, close, c->scratch, field);
        if (rc)
            return rc;
        *sp = (const uint8_t *)c->scratch->p;
        *len = c->scratch->len;
    }
    *pp = close + 1;
    return J_OK;
}

static int check_offset(Ctx *c, const Buf *b, const uint8_t *pos, const char *field)
{
    if (b->len > (size_t)INT32_MAX)
        return fail(c, pos, field, "page too large for 32-bit Arrow offsets; use a smaller page_size");
    return J_OK;
}

/* Appends the string at *pp to data (and its end offset to offs, if given). */
static int put_string(Ctx *c, const uint8_t **pp, Buf *data, Buf *offs, const char *field)
{
    const uint8_t *p = *pp, *close;
    int plain, rc;
    if (*p != '"')
        return fail(c, p, field, "expected a string, got %s", kind_of(*p));
    rc = scan_string(c, p, &close, &plain, field);
    if (rc)
        return rc;
    if (plain) {
        size_t n = (size_t)(close - p - 1);
        if (n) {
            if (buf_reserve(data, n))
                return J_NOMEM;
            memcpy(data->p + data->len, p + 1, n);
            data->len += n;
        }
    } else if ((rc = decode_string(c, p + 1, close, data, field)) != J_OK) {
        return rc;
    }
    if (offs) {
        if ((rc = check_offset(c, data, p, field)) != J_OK)
            return rc;
        if (put_i32(offs, (int32_t)data->len))
            return J_NOMEM;
    }
    *pp = close + 1;
    return J_OK;
}

static int ascii_ieq(const uint8_t *s, size_t len, const Name *word)
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

/* The index of the name that the string at p spells exactly, or -1. */
static inline int exact_name(Ctx *c, const uint8_t *p, const Name *names, int count)
{
    int i;
    for (i = 0; i < count; i++)
        if (lit_match(&names[i].quoted, p, c->end))
            return i;
    return -1;
}

/* Up to 40 bytes of s, non-printable ones as '?', for a message (in c->keyname). */
static const char *printable(Ctx *c, const uint8_t *s, size_t len)
{
    size_t i, n = len < 40 ? len : 40;
    for (i = 0; i < n; i++)
        c->keyname[i] = (s[i] >= 0x20 && s[i] < 0x7F) ? (char)s[i] : '?';
    c->keyname[n] = '\0';
    return c->keyname;
}

/* Reads a string that must be one of names (ASCII case-insensitive) into *out. */
static int parse_code(Ctx *c, const uint8_t **pp, const Name *names, int count, uint8_t *out,
                      const char *field)
{
    const uint8_t *p = *pp, *s;
    size_t len;
    int rc, i;
    if (*p != '"')
        return fail(c, p, field, "expected a string, got %s", kind_of(*p));
    if ((i = exact_name(c, p, names, count)) >= 0) {
        *out = (uint8_t)i;
        *pp = p + names[i].len + 2;
        return J_OK;
    }
    if ((rc = get_str(c, &p, &s, &len, field)) != J_OK)
        return rc;
    for (i = 0; i < count; i++) {
        if (ascii_ieq(s, len, &names[i])) {
            *out = (uint8_t)i;
            *pp = p;
            return J_OK;
        }
    }
    return fail(c, *pp, field, "unknown value \"%s\"", printable(c, s, len));
}

static int literal(Ctx *c, const uint8_t **pp, const char *word, size_t wl, const char *field)
{
    const uint8_t *p = *pp;
    size_t avail = (size_t)(c->end - p), k = avail < wl ? avail : wl, i;
    if (LIKELY(avail >= 4) && wl == 4 && memcmp(p, word, 4) == 0) { /* inlined: true, null */
        *pp = p + 4;
        return J_OK;
    }
    for (i = 0; i < k; i++)
        if (p[i] != (uint8_t)word[i])
            return fail(c, p, field, "invalid JSON literal");
    if (avail < wl)
        return J_INCOMPLETE;
    *pp = p + wl;
    return J_OK;
}

/* ------------------------------------------------------------- numbers */

typedef struct {
    const uint8_t *start, *end; /* the token */
    uint64_t mant;              /* the first 19 significant digits */
    int64_t exp10;              /* value = mant * 10^exp10, unless inexact */
    int ndig, inexact, neg, integral;
} Num;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR_DIGITS 1
/* Whether the 8 bytes of w (little-endian) are all ASCII digits, and their value
 * (the well-known SWAR method, as in fast_float / simdjson). */
static inline int is_8digits(uint64_t w)
{
    return ((w & 0xF0F0F0F0F0F0F0F0ULL) |
            (((w + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) ==
           0x3333333333333333ULL;
}

static inline uint64_t parse_8digits(uint64_t w)
{
    w -= 0x3030303030303030ULL;
    w = (w * 10) + (w >> 8);
    w = (((w & 0x000000FF000000FFULL) * 0x000F424000000064ULL) +
         (((w >> 16) & 0x000000FF000000FFULL) * 0x0000271000000001ULL)) >> 32;
    return w;
}
#else
#define SWAR_DIGITS 0
#endif

/* Lexes the JSON number at *pp (RFC 8259 grammar). */
static int lex_number(Ctx *c, const uint8_t **pp, Num *n, const char *field)
{
    const uint8_t *p = *pp, *end = c->end, *d0;
    uint64_t m = 0;
    int64_t e10 = 0;
    int ndig = 0, inexact = 0;
    n->start = p;
    n->neg = 0;
    n->integral = 1;
    if (*p == '-') {
        n->neg = 1;
        if (++p >= end)
            return J_INCOMPLETE;
    }
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        d0 = p;
#if SWAR_DIGITS
        while (end - p >= 8 && p - d0 <= 11) { /* 8 digits at a time: the 19 of "time" */
            uint64_t w;
            memcpy(&w, p, 8);
            if (!is_8digits(w))
                break;
            m = m * 100000000 + parse_8digits(w);
            p += 8;
        }
#endif
        for (; p < end && IS_DIGIT(*p) && p - d0 < 19; p++)
            m = m * 10 + (uint64_t)(*p - '0');
        ndig = (int)(p - d0);
        for (; p < end && IS_DIGIT(*p); p++) { /* beyond 19 digits: scale only */
            e10++;
            inexact |= (*p != '0');
        }
    } else {
        return fail(c, n->start, field, "invalid number");
    }
    if (p >= end)
        return J_INCOMPLETE;
    if (*p == '.') {
        n->integral = 0;
        if (++p >= end)
            return J_INCOMPLETE;
        if (!IS_DIGIT(*p))
            return fail(c, n->start, field, "invalid number");
        if (ndig == 0) /* 0.000ddd: leading zeros only scale */
            for (; p < end && *p == '0'; p++)
                e10--;
        for (; p < end && IS_DIGIT(*p); p++) {
            if (ndig < 19) {
                m = m * 10 + (uint64_t)(*p - '0');
                ndig++;
                e10--;
            } else {
                inexact |= (*p != '0');
            }
        }
        if (p >= end)
            return J_INCOMPLETE;
    }
    if (*p == 'e' || *p == 'E') {
        int eneg = 0;
        int64_t ev = 0;
        n->integral = 0;
        if (++p >= end)
            return J_INCOMPLETE;
        if (*p == '+' || *p == '-') {
            eneg = (*p == '-');
            if (++p >= end)
                return J_INCOMPLETE;
        }
        if (!IS_DIGIT(*p))
            return fail(c, n->start, field, "invalid number");
        for (; p < end && IS_DIGIT(*p); p++)
            if (ev < 100000000)
                ev = ev * 10 + (*p - '0');
        if (p >= end)
            return J_INCOMPLETE;
        e10 += eneg ? -ev : ev;
    }
    n->mant = m;
    n->exp10 = e10;
    n->ndig = ndig;
    n->inexact = inexact;
    n->end = p;
    *pp = p;
    return J_OK;
}

static int num_to_i64(Ctx *c, const Num *n, int64_t *out, const char *field)
{
    if (!n->integral)
        return fail(c, n->start, field, "expected an integer, got a fraction or exponent");
    if (n->inexact || n->exp10 != 0 ||
        n->mant > (uint64_t)INT64_MAX + (uint64_t)(n->neg ? 1 : 0))
        return fail(c, n->start, field, "integer out of the int64 range");
    if (n->neg)
        *out = (n->mant == (uint64_t)INT64_MAX + 1) ? INT64_MIN : -(int64_t)n->mant;
    else
        *out = (int64_t)n->mant;
    return J_OK;
}

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Correctly rounded: exact operands and one IEEE operation (Clinger's fast path),
 * else strtod in the C locale on a NUL-terminated copy of the token. */
static int num_to_f64(Ctx *c, const Num *n, double *out)
{
    size_t len;
    char local[64], *tok;
    double v;
#if FLT_EVAL_METHOD == 0
    if (!n->inexact && n->mant <= ((uint64_t)1 << 53) && n->exp10 >= -22 && n->exp10 <= 22) {
        v = (double)n->mant;
        v = n->exp10 < 0 ? v / POW10[-n->exp10] : v * POW10[n->exp10];
        *out = n->neg ? -v : v;
        return J_OK;
    }
#endif
    if (n->mant == 0) { /* zero digits only: any exponent */
        *out = n->neg ? -0.0 : 0.0;
        return J_OK;
    }
    len = (size_t)(n->end - n->start);
    if (len < sizeof local) {
        tok = local;
    } else {
        c->scratch->len = 0;
        if (buf_reserve(c->scratch, len + 1))
            return J_NOMEM;
        tok = c->scratch->p;
    }
    memcpy(tok, n->start, len);
    tok[len] = '\0';
#ifdef HAVE_STRTOD_L
    *out = strtod_l(tok, NULL, c_locale);
#else
    *out = strtod(tok, NULL);
#endif
    return J_OK;
}

/* An int64 (an integer token, no fraction or exponent). */
static int parse_int(Ctx *c, const uint8_t **pp, int64_t *out, const char *field)
{
    Num n;
    int rc;
    if (**pp != '-' && !IS_DIGIT(**pp))
        return fail(c, *pp, field, "expected an integer, got %s", kind_of(**pp));
    if ((rc = lex_number(c, pp, &n, field)) != J_OK)
        return rc;
    return num_to_i64(c, &n, out, field);
}

/* Spellings of the non-finite doubles, the server's first. */
static Name NONFINITE[7] = {NAME("NaN"), NAME("Infinity"), NAME("-Infinity"),
                                 NAME("inf"), NAME("+infinity"), NAME("+inf"), NAME("-inf")};
static const double NONFINITE_SIGN[] = {0.0, 1.0, -1.0, 1.0, 1.0, 1.0, -1.0};

/* A double: a number token, or a string spelling NaN or an infinity. */
static int parse_double(Ctx *c, const uint8_t **pp, double *out, const char *field)
{
    const uint8_t *p = *pp;
    int rc, i;
    if (*p == '"') {
        const uint8_t *s;
        size_t len;
        if ((i = exact_name(c, p, NONFINITE, 3)) >= 0) {
            p += NONFINITE[i].len + 2;
        } else {
            if ((rc = get_str(c, &p, &s, &len, field)) != J_OK)
                return rc;
            for (i = 0; i < 7 && !ascii_ieq(s, len, &NONFINITE[i]); i++)
                ;
            if (i == 7)
                return fail(c, *pp, field,
                            "expected a number or \"NaN\", \"Infinity\", \"-Infinity\"");
        }
        *out = NONFINITE_SIGN[i] == 0.0 ? (double)NAN : NONFINITE_SIGN[i] * (double)INFINITY;
        *pp = p;
        return J_OK;
    }
    if (*p == '-' || IS_DIGIT(*p)) {
        Num n;
        if ((rc = lex_number(c, &p, &n, field)) != J_OK)
            return rc;
        if ((rc = num_to_f64(c, &n, out)) != J_OK)
            return rc;
        *pp = p;
        return J_OK;
    }
    return fail(c, p, field, "expected a number, got %s", kind_of(*p));
}

static int parse_bool(Ctx *c, const uint8_t **pp, uint8_t *out, const char *field)
{
    if (**pp == 't') {
        *out = 1;
        return literal(c, pp, "true", 4, field);
    }
    if (**pp == 'f') {
        *out = 0;
        return literal(c, pp, "false", 5, field);
    }
    return fail(c, *pp, field, "expected a boolean, got %s", kind_of(**pp));
}

/* ------------------------------------------------------- objects, arrays */

/* *pp at '{': consumes it; J_END if the object is empty. */
static int obj_open(Ctx *c, const uint8_t **pp, const char *field)
{
    const uint8_t *p = *pp;
    if (*p != '{')
        return fail(c, p, field, "expected an object, got %s", kind_of(*p));
    p++;
    SKIP_WS(c, p);
    if (*p == '}') {
        *pp = p + 1;
        return J_END;
    }
    *pp = p;
    return J_OK;
}

/* *pp at a field name: reads it and the ':', up to the value. */
static int obj_key(Ctx *c, const uint8_t **pp, const uint8_t **k, size_t *kl, const char *field)
{
    const uint8_t *p = *pp;
    int rc;
    if (*p != '"')
        return fail(c, p, field, "expected a field name");
    if ((rc = get_str(c, &p, k, kl, field)) != J_OK)
        return rc;
    SKIP_WS(c, p);
    if (*p != ':')
        return fail(c, p, field, "expected ':' after a field name");
    p++;
    SKIP_WS(c, p);
    *pp = p;
    return J_OK;
}

/* After a member: J_OK at the next field name, or J_END past the '}'. */
static int obj_next(Ctx *c, const uint8_t **pp, const char *field)
{
    const uint8_t *p = *pp;
    SKIP_WS(c, p);
    if (*p == ',') {
        p++;
        SKIP_WS(c, p);
        *pp = p;
        return J_OK;
    }
    if (*p == '}') {
        *pp = p + 1;
        return J_END;
    }
    return fail(c, p, field, "expected ',' or '}'");
}

static int arr_open(Ctx *c, const uint8_t **pp, const char *field)
{
    const uint8_t *p = *pp;
    if (*p != '[')
        return fail(c, p, field, "expected an array, got %s", kind_of(*p));
    p++;
    SKIP_WS(c, p);
    if (*p == ']') {
        *pp = p + 1;
        return J_END;
    }
    *pp = p;
    return J_OK;
}

static int arr_next(Ctx *c, const uint8_t **pp, const char *field)
{
    const uint8_t *p = *pp;
    SKIP_WS(c, p);
    if (*p == ',') {
        p++;
        SKIP_WS(c, p);
        *pp = p;
        return J_OK;
    }
    if (*p == ']') {
        *pp = p + 1;
        return J_END;
    }
    return fail(c, p, field, "expected ',' or ']'");
}

/* Skips (and validates) any JSON value. */
static int skip_value(Ctx *c, const uint8_t **pp, int depth, const char *field)
{
    const uint8_t *p = *pp, *k;
    size_t kl;
    int rc;
    switch (*p) {
    case '"': {
        const uint8_t *close;
        int plain;
        if ((rc = scan_string(c, p, &close, &plain, field)) != J_OK)
            return rc;
        if (!plain) {
            c->scratch->len = 0;
            if ((rc = decode_string(c, p + 1, close, c->scratch, field)) != J_OK)
                return rc;
        }
        p = close + 1;
        break;
    }
    case '{':
        if (depth >= MAX_DEPTH)
            return fail(c, p, field, "JSON nested deeper than %d levels", MAX_DEPTH);
        rc = obj_open(c, &p, field);
        while (rc == J_OK) {
            if ((rc = obj_key(c, &p, &k, &kl, field)) != J_OK)
                return rc;
            if ((rc = skip_value(c, &p, depth + 1, field)) != J_OK)
                return rc;
            rc = obj_next(c, &p, field);
        }
        if (rc != J_END)
            return rc;
        break;
    case '[':
        if (depth >= MAX_DEPTH)
            return fail(c, p, field, "JSON nested deeper than %d levels", MAX_DEPTH);
        rc = arr_open(c, &p, field);
        while (rc == J_OK) {
            if ((rc = skip_value(c, &p, depth + 1, field)) != J_OK)
                return rc;
            rc = arr_next(c, &p, field);
        }
        if (rc != J_END)
            return rc;
        break;
    case 't':
        return literal(c, pp, "true", 4, field);
    case 'f':
        return literal(c, pp, "false", 5, field);
    case 'n':
        return literal(c, pp, "null", 4, field);
    default:
        if (*p == '-' || IS_DIGIT(*p)) {
            Num n;
            return lex_number(c, pp, &n, field);
        }
        return fail(c, p, field, "invalid JSON value");
    }
    *pp = p;
    return J_OK;
}

/* Skips the value of an unknown field, naming the field in errors. */
static int skip_unknown(Ctx *c, const uint8_t **pp, const uint8_t *k, size_t kl)
{
    return skip_value(c, pp, 0, printable(c, k, kl));
}

/* *pp at a member name: reads it and the ':' up to the value.  *id is its index in
 * keys, or -1 for an unknown name (then *k, *kl).  keys[hint] is tried first, as a
 * literal: in the server's compact output that is the only test needed. */
static int read_key(Ctx *c, const uint8_t **pp, const Key *keys, int nkeys, int hint, int *id,
                    const uint8_t **k, size_t *kl, const char *field)
{
    const uint8_t *p = *pp;
    int rc, i;
    if (hint < nkeys && lit_match(&keys[hint].member, p, c->end)) {
        p += keys[hint].member.n;
        SKIP_WS(c, p);
        *id = hint;
        *pp = p;
        return J_OK;
    }
    if ((rc = obj_key(c, &p, k, kl, field)) != J_OK)
        return rc;
    *id = -1;
    for (i = 0; i < nkeys; i++) {
        if (*kl == keys[i].len && memcmp(*k, keys[i].name, *kl) == 0) {
            *id = i;
            break;
        }
    }
    *pp = p;
    return J_OK;
}

static int parse_severity_text(Ctx *c, const uint8_t **pp)
{
    const uint8_t *p = *pp, *k = NULL;
    size_t kl = 0;
    unsigned seen = 0;
    int id = -1, rc = obj_open(c, &p, "severity");
    while (rc == J_OK) {
        if ((rc = read_key(c, &p, SEV_KEYS, N_SEV_KEYS, id + 1, &id, &k, &kl, "severity")) != J_OK)
            return rc;
        if (id >= 0) {
            if (seen & (1u << id))
                return fail(c, p, NULL, "duplicate field \"severity.%s\"", SEV_KEYS[id].name);
            seen |= 1u << id;
        }
        if (id == KS_LEVEL)
            rc = parse_code(c, &p, LEVELS, N_LEVELS, &c->row.sev, "severity.level");
        else if (id == KS_HASVALUE)
            rc = parse_bool(c, &p, &c->row.hasval, "severity.hasValue");
        else
            rc = skip_unknown(c, &p, k, kl);
        if (rc)
            return rc;
        rc = obj_next(c, &p, "severity");
    }
    if (rc != J_END)
        return rc;
    if (!(seen & (1u << KS_LEVEL)))
        return fail(c, *pp, "severity.level", "missing field");
    if (!(seen & (1u << KS_HASVALUE)))
        return fail(c, *pp, "severity.hasValue", "missing field");
    *pp = p;
    return J_OK;
}

/* Like metaData, the severity object repeats: the same bytes give the same values. */
static int parse_severity(Ctx *c, const uint8_t **pp)
{
    SevCache *sc = c->sev_cache;
    const uint8_t *p = *pp;
    int rc;
    if (sc->len && (size_t)(c->end - p) >= sc->len && memcmp(p, sc->raw, sc->len) == 0) {
        c->row.sev = sc->sev;
        c->row.hasval = sc->hasval;
        *pp = p + sc->len;
        return J_OK;
    }
    if ((rc = parse_severity_text(c, &p)) != J_OK)
        return rc;
    sc->len = 0;
    if ((size_t)(p - *pp) <= sizeof sc->raw) {
        sc->len = (size_t)(p - *pp);
        memcpy(sc->raw, *pp, sc->len);
        sc->sev = c->row.sev;
        sc->hasval = c->row.hasval;
    }
    *pp = p;
    return J_OK;
}

static int parse_meta_text(Ctx *c, const uint8_t **pp)
{
    Row *r = &c->row;
    Buf *B = c->bufs;
    const uint8_t *p = *pp, *k = NULL;
    size_t kl = 0, units_len = B[B_UNITS].len, st_len = B[B_ST].len,
           st_soff_len = B[B_ST_SOFF].len;
    unsigned seen = 0;
    uint8_t mt = M_NULL;
    int id = -1, rc;
    if (*p == 'n') {
        r->meta = M_NULL;
        return literal(c, pp, "null", 4, "metaData");
    }
    rc = obj_open(c, &p, "metaData");
    while (rc == J_OK) {
        if ((rc = read_key(c, &p, META_KEYS, N_META_KEYS, id + 1, &id, &k, &kl, "metaData")) !=
            J_OK)
            return rc;
        if (id < 0) {
            rc = skip_unknown(c, &p, k, kl);
        } else {
            const char *field = META_FIELDS[id];
            if (seen & (1u << id))
                return fail(c, p, NULL, "duplicate field \"%s\"", field);
            seen |= 1u << id;
            r->valid |= 1u << id;
            switch (id) {
            case KM_TYPE:
                rc = parse_code(c, &p, META_TYPES, N_META_TYPES, &mt, field);
                break;
            case KM_PRECISION: {
                int64_t v = 0;
                const uint8_t *at = p;
                rc = parse_int(c, &p, &v, field);
                if (!rc && (v < INT32_MIN || v > INT32_MAX))
                    rc = fail(c, at, field, "integer out of the int32 range");
                r->precision = (int32_t)v;
                break;
            }
            case KM_UNITS:
                if (*p == 'n') {
                    r->valid &= ~V_UNITS; /* null */
                    rc = literal(c, &p, "null", 4, field);
                } else {
                    rc = put_string(c, &p, &B[B_UNITS], NULL, field);
                }
                break;
            case KM_STATES:
                rc = arr_open(c, &p, field);
                while (rc == J_OK) {
                    if ((rc = put_string(c, &p, &B[B_ST], &B[B_ST_SOFF], field)) != J_OK)
                        return rc;
                    rc = arr_next(c, &p, field);
                }
                if (rc == J_END)
                    rc = J_OK;
                break;
            default:
                rc = parse_double(c, &p, &r->lim[id - KM_LIM0], field);
            }
        }
        if (rc)
            return rc;
        rc = obj_next(c, &p, "metaData");
    }
    if (rc != J_END)
        return rc;
    if (mt == M_NULL)
        return fail(c, *pp, "metaData.type", "missing field");
    if (mt == M_NUMERIC) { /* states belong to the enum variant only */
        r->valid &= V_NUMERIC;
        B[B_ST].len = st_len;
        B[B_ST_SOFF].len = st_soff_len;
    } else { /* and the rest to the numeric one */
        r->valid &= V_STATES;
        B[B_UNITS].len = units_len;
    }
    r->meta = mt;
    *pp = p;
    return J_OK;
}

/* Copies the cached metaData into the row and the child buffers. */
static int meta_from_cache(Ctx *c, const MetaCache *mc, const uint8_t *at)
{
    Buf *B = c->bufs;
    Row *r = &c->row;
    size_t i, n = mc->state_ends.len / 4;
    int32_t base;
    r->meta = mc->meta;
    r->valid |= mc->valid;
    r->precision = mc->precision;
    memcpy(r->lim, mc->lim, sizeof r->lim);
    if (mc->units.len) {
        if (buf_reserve(&B[B_UNITS], mc->units.len))
            return J_NOMEM;
        memcpy(B[B_UNITS].p + B[B_UNITS].len, mc->units.p, mc->units.len);
        B[B_UNITS].len += mc->units.len;
    }
    if (n) {
        if (B[B_ST].len + mc->states.len > (size_t)INT32_MAX)
            return fail(c, at, "metaData.states",
                        "page too large for 32-bit Arrow offsets; use a smaller page_size");
        if (buf_reserve(&B[B_ST], mc->states.len) || buf_reserve(&B[B_ST_SOFF], n * 4))
            return J_NOMEM;
        base = (int32_t)B[B_ST].len;
        if (mc->states.len) {
            memcpy(B[B_ST].p + B[B_ST].len, mc->states.p, mc->states.len);
            B[B_ST].len += mc->states.len;
        }
        for (i = 0; i < n; i++) {
            int32_t end;
            memcpy(&end, mc->state_ends.p + 4 * i, 4);
            PUT_ROW(&B[B_ST_SOFF], int32_t, base + end);
        }
    }
    return J_OK;
}

/* Remembers the metaData just parsed from [start, end); on failure, forgets. */
static void meta_to_cache(Ctx *c, MetaCache *mc, const uint8_t *start, const uint8_t *end,
                          size_t units_len, size_t st_len, size_t st_soff_len)
{
    Buf *B = c->bufs;
    const Row *r = &c->row;
    size_t len = (size_t)(end - start), i, n = (B[B_ST_SOFF].len - st_soff_len) / 4;
    mc->raw.len = mc->units.len = mc->states.len = mc->state_ends.len = 0;
    if (len > META_CACHE_MAX || buf_reserve(&mc->raw, len) ||
        buf_reserve(&mc->units, B[B_UNITS].len - units_len) ||
        buf_reserve(&mc->states, B[B_ST].len - st_len) || buf_reserve(&mc->state_ends, n * 4))
        return;
    mc->meta = r->meta;
    mc->valid = r->valid;
    mc->precision = r->precision;
    memcpy(mc->lim, r->lim, sizeof mc->lim);
    if ((mc->units.len = B[B_UNITS].len - units_len) != 0)
        memcpy(mc->units.p, B[B_UNITS].p + units_len, mc->units.len);
    if ((mc->states.len = B[B_ST].len - st_len) != 0)
        memcpy(mc->states.p, B[B_ST].p + st_len, mc->states.len);
    for (i = 0; i < n; i++) {
        int32_t e;
        memcpy(&e, B[B_ST_SOFF].p + st_soff_len + 4 * i, 4);
        e -= (int32_t)st_len;
        PUT_ROW(&mc->state_ends, int32_t, e);
    }
    memcpy(mc->raw.p, start, len);
    mc->raw.len = len;
}

static int parse_meta(Ctx *c, const uint8_t **pp)
{
    MetaCache *mc = c->meta_cache;
    Buf *B = c->bufs;
    const uint8_t *p = *pp;
    size_t units_len = B[B_UNITS].len, st_len = B[B_ST].len, st_soff_len = B[B_ST_SOFF].len;
    int rc;
    if (*p == '{' && mc->raw.len && (size_t)(c->end - p) >= mc->raw.len &&
        memcmp(p, mc->raw.p, mc->raw.len) == 0) {
        if ((rc = meta_from_cache(c, mc, p)) != J_OK)
            return rc;
        *pp = p + mc->raw.len;
        return J_OK;
    }
    if ((rc = parse_meta_text(c, &p)) != J_OK)
        return rc;
    if (c->row.meta != M_NULL)
        meta_to_cache(c, mc, *pp, p, units_len, st_len, st_soff_len);
    *pp = p;
    return J_OK;
}

static int parse_values(Ctx *c, const uint8_t **pp, int type)
{
    Buf *B = c->bufs;
    const uint8_t *p = *pp;
    int rc = arr_open(c, &p, "value");
    while (rc == J_OK) {
        switch (type) {
        case T_DOUBLE:
        case T_MINMAX: {
            double v;
            if ((rc = parse_double(c, &p, &v, "value")) == J_OK)
                rc = put_f64(&B[B_VD], v);
            break;
        }
        case T_LONG: {
            int64_t v;
            if ((rc = parse_int(c, &p, &v, "value")) == J_OK)
                rc = put_i64(&B[B_VL], v);
            break;
        }
        case T_ENUM: {
            int64_t v;
            const uint8_t *at = p;
            if ((rc = parse_int(c, &p, &v, "value")) == J_OK) {
                if (v < INT32_MIN || v > INT32_MAX)
                    rc = fail(c, at, "value", "enum index out of the int32 range");
                else
                    rc = put_i32(&B[B_VE], (int32_t)v);
            }
            break;
        }
        default:
            rc = put_string(c, &p, &B[B_VS], &B[B_VS_SOFF], "value");
        }
        if (rc)
            return rc;
        rc = arr_next(c, &p, "value");
    }
    if (rc != J_END)
        return rc;
    *pp = p;
    return J_OK;
}

/* Appends the parsed row to the row-level buffers. */
static int commit_row(Ctx *c, const uint8_t *at)
{
    Buf *B = c->bufs;
    Row *r = &c->row;
    int rc = 0, i;
    if ((rc = check_offset(c, &B[B_STATUS], at, "status")) ||
        (rc = check_offset(c, &B[B_UNITS], at, "metaData.units")) ||
        (rc = check_offset(c, &B[B_VD], at, "value")) ||
        (rc = check_offset(c, &B[B_VL], at, "value")))
        return rc;
    PUT_ROW(&B[B_TIME], int64_t, r->time);
    PUT_ROW(&B[B_SEV], uint8_t, r->sev);
    PUT_ROW(&B[B_HASVAL], uint8_t, r->hasval);
    PUT_ROW(&B[B_STATUS_OFF], int32_t, (int32_t)B[B_STATUS].len);
    PUT_ROW(&B[B_QUALITY], uint8_t, r->quality);
    PUT_ROW(&B[B_TYPE], uint8_t, r->type);
    PUT_ROW(&B[B_VD_OFF], int32_t, (int32_t)(B[B_VD].len / 8));
    PUT_ROW(&B[B_VL_OFF], int32_t, (int32_t)(B[B_VL].len / 8));
    PUT_ROW(&B[B_VE_OFF], int32_t, (int32_t)(B[B_VE].len / 4));
    PUT_ROW(&B[B_VS_OFF], int32_t, (int32_t)(B[B_VS_SOFF].len / 4 - 1));
    PUT_ROW(&B[B_MIN], double, r->type == T_MINMAX ? r->minimum : 0.0);
    PUT_ROW(&B[B_MAX], double, r->type == T_MINMAX ? r->maximum : 0.0);
    PUT_ROW(&B[B_META], uint8_t, r->meta);
    PUT_ROW(&B[B_PREC], int32_t, (r->valid & V_PREC) ? r->precision : 0);
    PUT_ROW(&B[B_UNITS_OFF], int32_t, (int32_t)B[B_UNITS].len);
    for (i = 0; i < 6; i++)
        PUT_ROW(&B[B_LIM0 + i], double, (r->valid & V_LIM(i)) ? r->lim[i] : 0.0);
    PUT_ROW(&B[B_VALID], uint16_t, (uint16_t)r->valid);
    PUT_ROW(&B[B_ST_OFF], int32_t, (int32_t)(B[B_ST_SOFF].len / 4 - 1));
    return J_OK;
}

/* Parses one sample object at *pp ('{') into c->row and the child buffers. */
static int parse_sample(Ctx *c, const uint8_t **pp)
{
    static const char *const required[] = {"time", "severity", "status", "quality", "type",
                                           "value"};
    static const int required_ids[] = {K_TIME, K_SEV, K_STATUS, K_QUALITY, K_TYPE, K_VALUE};
    Row *r = &c->row;
    const uint8_t *p = *pp, *k = NULL, *deferred = NULL;
    size_t kl = 0, i;
    int id = -1, rc;

    memset(r, 0, sizeof *r);
    r->meta = M_NULL;
    rc = obj_open(c, &p, NULL);
    while (rc == J_OK) {
        /* after "quality" the server writes "metaData", or "type" when there is none */
        int hint = (id == K_QUALITY && p + 1 < c->end && p[1] == 't') ? K_TYPE : id + 1;
        if ((rc = read_key(c, &p, SAMPLE_KEYS, N_SAMPLE_KEYS, hint, &id, &k, &kl, NULL)) != J_OK)
            return rc;
        if (id >= 0) {
            if (r->seen & (1u << id))
                return fail(c, p, NULL, "duplicate field \"%s\"", SAMPLE_KEYS[id].name);
            r->seen |= 1u << id;
        }
        switch (id) {
        case K_TIME: rc = parse_int(c, &p, &r->time, "time"); break;
        case K_SEV: rc = parse_severity(c, &p); break;
        case K_STATUS:
            rc = put_string(c, &p, &c->bufs[B_STATUS], NULL, "status");
            break;
        case K_QUALITY:
            rc = parse_code(c, &p, QUALITIES, N_QUALITIES, &r->quality, "quality");
            break;
        case K_META: rc = parse_meta(c, &p); break;
        case K_TYPE: rc = parse_code(c, &p, TYPES, N_TYPES, &r->type, "type"); break;
        case K_VALUE:
            if (r->seen & (1u << K_TYPE)) {
                rc = parse_values(c, &p, r->type);
            } else { /* "type" comes later: validate now, decode at the end */
                if (*p != '[')
                    return fail(c, p, "value", "expected an array, got %s", kind_of(*p));
                deferred = p;
                rc = skip_value(c, &p, 0, "value");
            }
            break;
        case K_MIN: rc = parse_double(c, &p, &r->minimum, "minimum"); break;
        case K_MAX: rc = parse_double(c, &p, &r->maximum, "maximum"); break;
        default: rc = skip_unknown(c, &p, k, kl);
        }
        if (rc)
            return rc;
        rc = obj_next(c, &p, NULL);
    }
    if (rc != J_END)
        return rc;
    if ((r->seen & REQUIRED) != REQUIRED)
        for (i = 0; i < sizeof required_ids / sizeof required_ids[0]; i++)
            if (!(r->seen & (1u << required_ids[i])))
                return fail(c, *pp, required[i], "missing field");
    if (r->type == T_MINMAX) {
        if (!(r->seen & (1u << K_MIN)))
            return fail(c, *pp, "minimum", "missing field (required for minMaxDouble)");
        if (!(r->seen & (1u << K_MAX)))
            return fail(c, *pp, "maximum", "missing field (required for minMaxDouble)");
    }
    if (deferred && (rc = parse_values(c, &deferred, r->type)) != J_OK)
        return rc;
    if ((rc = commit_row(c, *pp)) != J_OK)
        return rc;
    *pp = p;
    return J_OK;
}

/* ------------------------------------------------------------- decoder */

enum { S_START, S_FIRST, S_NEXT, S_ELEM, S_DONE };
static const char *const STATE_NAMES[] = {"start", "first", "next", "element", "done"};

typedef struct {
    PyObject_HEAD
    Buf bufs[NBUF];
    Buf scratch;
    MetaCache meta_cache;
    SevCache sev_cache;
    Py_ssize_t rows;
    Py_ssize_t row_cap; /* rows the row-level buffers have room for */
    int state;
    int busy;
    int broken; /* a page was lost to an out-of-memory error */
} DecoderObject;

/* Makes room in the row-level buffers for one more row (doubling). */
static int reserve_row(DecoderObject *d)
{
    Py_ssize_t cap;
    int i;
    if (LIKELY(d->rows < d->row_cap))
        return J_OK;
    cap = d->row_cap < 1024 ? 1024 : 2 * d->row_cap;
    for (i = 0; i < NBUF; i++)
        if (ROW_SIZE[i] && buf_reserve(&d->bufs[i], (size_t)(cap - d->rows) * ROW_SIZE[i]))
            return J_NOMEM;
    d->row_cap = cap;
    return J_OK;
}

static int builder_reset(DecoderObject *d)
{
    int i;
    for (i = 0; i < NBUF; i++)
        d->bufs[i].len = 0;
    for (i = 0; i < N_OFFSET_BUFS; i++)
        if (put_i32(&d->bufs[OFFSET_BUFS[i]], 0))
            return J_NOMEM;
    d->rows = 0;
    d->row_cap = 0;
    return J_OK;
}

/* The array around the samples: '[' sample (',' sample)* ']' then whitespace. */
static int run(DecoderObject *d, Ctx *c, const uint8_t **pp, Py_ssize_t max_rows)
{
    const uint8_t *p = *pp, *end = c->end;
    size_t marks[N_CHILD_BUFS];
    int rc, i;
    for (;;) {
        while (p < end && IS_WS(*p))
            p++;
        if (p >= end)
            break;
        switch (d->state) {
        case S_START:
            if (*p != '[') {
                rc = fail(c, p, NULL, "expected '[' to open the array of samples, got %s",
                          kind_of(*p));
                goto out;
            }
            p++;
            d->state = S_FIRST;
            continue;
        case S_NEXT:
            if (*p == ',') {
                d->state = S_ELEM;
            } else if (*p == ']') {
                d->state = S_DONE;
            } else {
                rc = fail(c, p, NULL, "expected ',' or ']' after a sample");
                goto out;
            }
            p++;
            continue;
        case S_DONE:
            rc = fail(c, p, NULL, "unexpected data after the closing ']'");
            goto out;
        default: /* S_FIRST, S_ELEM: a sample ('{'), or ']' right after '[' */
            if (*p == ']' && d->state == S_FIRST) {
                p++;
                d->state = S_DONE;
                continue;
            }
            if (*p != '{') {
                rc = fail(c, p, NULL, "expected a sample object, got %s", kind_of(*p));
                goto out;
            }
            if (d->rows >= max_rows) {
                rc = J_OK;
                goto out;
            }
            if (reserve_row(d)) {
                rc = J_NOMEM;
                goto out;
            }
            for (i = 0; i < N_CHILD_BUFS; i++)
                marks[i] = d->bufs[CHILD_BUFS[i]].len;
            {
                const uint8_t *q = p;
                rc = parse_sample(c, &q);
                if (rc == J_OK) {
                    p = q;
                    d->rows++;
                    d->state = S_NEXT;
                    continue;
                }
            }
            for (i = 0; i < N_CHILD_BUFS; i++)
                d->bufs[CHILD_BUFS[i]].len = marks[i];
            if (rc == J_INCOMPLETE)
                rc = J_OK; /* stop before this sample; p stays at its '{' */
            goto out;
        }
    }
    rc = J_OK;
out:
    *pp = p;
    return rc;
}

static PyObject *Decoder_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {NULL};
    DecoderObject *d;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, ":Decoder", kwlist))
        return NULL;
    d = (DecoderObject *)type->tp_alloc(type, 0);
    if (d == NULL)
        return NULL;
    /* tp_alloc zeroes the object: every Buf starts empty */
    d->state = S_START;
    if (builder_reset(d)) {
        Py_DECREF(d);
        return PyErr_NoMemory();
    }
    return (PyObject *)d;
}

static void Decoder_dealloc(DecoderObject *d)
{
    int i;
    for (i = 0; i < NBUF; i++)
        free(d->bufs[i].p);
    free(d->scratch.p);
    free(d->meta_cache.raw.p);
    free(d->meta_cache.units.p);
    free(d->meta_cache.states.p);
    free(d->meta_cache.state_ends.p);
    Py_TYPE(d)->tp_free((PyObject *)d);
}

static int claim(DecoderObject *d)
{
    if (d->broken) {
        PyErr_SetString(PyExc_RuntimeError, "Decoder lost a page to an out-of-memory error");
        return -1;
    }
    if (d->busy) {
        PyErr_SetString(PyExc_RuntimeError, "Decoder used by two threads at once");
        return -1;
    }
    d->busy = 1;
    return 0;
}

static PyObject *Decoder_parse(DecoderObject *d, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t pos, max_rows, newpos;
    const uint8_t *base, *p;
    Ctx c;
    int rc;

    if (!PyArg_ParseTuple(args, "y*nn:parse", &view, &pos, &max_rows))
        return NULL;
    if (pos < 0 || pos > view.len) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "pos outside the buffer");
        return NULL;
    }
    if (claim(d)) {
        PyBuffer_Release(&view);
        return NULL;
    }
    base = (const uint8_t *)view.buf;
    p = base + pos;
    memset(&c, 0, sizeof c);
    c.end = base + view.len;
    c.bufs = d->bufs;
    c.scratch = &d->scratch;
    c.meta_cache = &d->meta_cache;
    c.sev_cache = &d->sev_cache;
    /* The view pins the buffer (a bytearray cannot resize while exported). */
    Py_BEGIN_ALLOW_THREADS
    rc = run(d, &c, &p, max_rows);
    Py_END_ALLOW_THREADS
    d->busy = 0;
    newpos = (Py_ssize_t)(p - base);
    PyBuffer_Release(&view);
    if (rc == J_NOMEM)
        return PyErr_NoMemory();
    if (rc == J_ERROR) {
        return Py_BuildValue("n(szn)", newpos, c.msg, c.field,
                             (Py_ssize_t)(c.errpos - base));
    }
    return Py_BuildValue("nO", newpos, Py_None);
}

/* --------------------------------------------------- handing pages over */

/* A column buffer handed over to Python without a copy: pa.py_buffer() wraps it. */
typedef struct {
    PyObject_HEAD
    char *p;
    Py_ssize_t len;
} ChunkObject;

static int Chunk_getbuffer(ChunkObject *o, Py_buffer *view, int flags)
{
    static char empty[8]; /* Arrow wants a pointer even for no bytes */
    return PyBuffer_FillInfo(view, (PyObject *)o, o->p ? o->p : empty, o->len, 1, flags);
}

static void Chunk_dealloc(ChunkObject *o)
{
    free(o->p);
    Py_TYPE(o)->tp_free((PyObject *)o);
}

static PyBufferProcs Chunk_as_buffer = {(getbufferproc)Chunk_getbuffer, NULL};

static PyTypeObject ChunkType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "arrowtap.connectors.pvarchiver._jsonv1.Chunk",
    .tp_basicsize = sizeof(ChunkObject),
    .tp_dealloc = (destructor)Chunk_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Read-only bytes of one decoded column buffer.",
    .tp_as_buffer = &Chunk_as_buffer,
};

/* Moves the bytes of b into a Chunk; b gets fresh, untouched memory of the same size
 * for the next page (so it need not grow again). */
static PyObject *hand_over(Buf *b)
{
    ChunkObject *o = PyObject_New(ChunkObject, &ChunkType);
    size_t cap = b->cap;
    char *p;
    if (o == NULL)
        return NULL;
    if (b->len == 0) {
        o->p = NULL;
        o->len = 0;
        return (PyObject *)o;
    }
    /* give back the unused tail: the page may live long */
    p = b->len < b->cap ? (char *)realloc(b->p, b->len) : b->p;
    o->p = p ? p : b->p;
    o->len = (Py_ssize_t)b->len;
    b->p = (char *)malloc(cap);
    b->cap = b->p ? cap : 0;
    b->len = 0;
    return (PyObject *)o;
}


/* A validity bitmap from one byte (0 or 1) per row, or None when every row is valid. */
static PyObject *pack_valid(const uint8_t *v, Py_ssize_t n, Py_ssize_t *nulls, int always)
{
    Py_ssize_t i, set = 0, nb = (n + 7) / 8;
    PyObject *o = PyBytes_FromStringAndSize(NULL, nb);
    uint8_t *bits;
    if (o == NULL)
        return NULL;
    bits = (uint8_t *)PyBytes_AS_STRING(o);
    for (i = 0; i + 8 <= n; i += 8) {
        uint64_t x;
        uint8_t byte = 0;
        int k;
        memcpy(&x, v + i, 8);
        if (x == 0x0101010101010101ULL) {
            byte = 0xFF;
        } else if (x != 0) {
            for (k = 0; k < 8; k++)
                byte |= (uint8_t)(v[i + k] << k);
        }
        bits[i >> 3] = byte;
        set += __builtin_popcount(byte);
    }
    if (i < n) {
        uint8_t byte = 0;
        for (; i < n; i++)
            byte |= (uint8_t)(v[i] << (i & 7));
        bits[nb - 1] = byte;
        set += __builtin_popcount(byte);
    }
    *nulls = n - set;
    if (*nulls == 0 && !always) {
        Py_DECREF(o);
        Py_RETURN_NONE;
    }
    return o;
}

/* (length, null_count, (validity, b1[, b2]), child) with the validity made from tmp.
 * Every object argument is a new reference, or NULL after an error. */
static PyObject *spec_list(Py_ssize_t n, const uint8_t *tmp, PyObject *offs, PyObject *child)
{
    Py_ssize_t nulls;
    PyObject *valid = pack_valid(tmp, n, &nulls, 0);
    return Py_BuildValue("nn(NN)N", n, nulls, valid, offs, child);
}

static PyObject *spec_prim(Py_ssize_t n, const uint8_t *tmp, PyObject *data)
{
    Py_ssize_t nulls;
    PyObject *valid = pack_valid(tmp, n, &nulls, 0);
    return Py_BuildValue("nn(NN)O", n, nulls, valid, data, Py_None);
}

static PyObject *spec_str(Py_ssize_t n, const uint8_t *tmp, PyObject *offs, PyObject *data)
{
    Py_ssize_t nulls;
    PyObject *valid = pack_valid(tmp, n, &nulls, 0);
    return Py_BuildValue("nn(NNN)O", n, nulls, valid, offs, data, Py_None);
}

/* A string column (validity, offsets, data) from codes into names. */
static PyObject *code_strings(const uint8_t *codes, Py_ssize_t n, const Name *names,
                              uint8_t *tmp)
{
    Py_ssize_t i, total = 0, nulls;
    PyObject *offs, *data, *valid;
    int32_t *o;
    char *s;
    for (i = 0; i < n; i++) {
        tmp[i] = codes[i] != M_NULL;
        if (tmp[i])
            total += (Py_ssize_t)names[codes[i]].len;
    }
    offs = PyBytes_FromStringAndSize(NULL, (n + 1) * 4);
    data = PyBytes_FromStringAndSize(NULL, total);
    valid = pack_valid(tmp, n, &nulls, 0);
    if (offs == NULL || data == NULL || valid == NULL) {
        Py_XDECREF(offs);
        Py_XDECREF(data);
        Py_XDECREF(valid);
        return NULL;
    }
    o = (int32_t *)PyBytes_AS_STRING(offs);
    s = PyBytes_AS_STRING(data);
    o[0] = 0;
    total = 0;
    for (i = 0; i < n; i++) {
        if (tmp[i]) {
            size_t len = names[codes[i]].len;
            memcpy(s + total, names[codes[i]].s, len);
            total += (Py_ssize_t)len;
        }
        o[i + 1] = (int32_t)total;
    }
    return Py_BuildValue("nn(NNN)O", n, nulls, valid, offs, data, Py_None);
}

static Py_ssize_t n_elems(const Buf *offs)
{
    int32_t last;
    memcpy(&last, offs->p + offs->len - 4, 4);
    return last;
}

static PyObject *Decoder_take(DecoderObject *d, PyObject *Py_UNUSED(ignored))
{
    Buf *B = d->bufs;
    Py_ssize_t n = d->rows, i, nulls;
    const uint8_t *type = (const uint8_t *)B[B_TYPE].p, *meta = (const uint8_t *)B[B_META].p;
    const uint16_t *valid = (const uint16_t *)B[B_VALID].p;
    /* the element counts of the lists, read before their offsets are handed over */
    Py_ssize_t n_vd = n_elems(&B[B_VD_OFF]), n_vl = n_elems(&B[B_VL_OFF]),
               n_ve = n_elems(&B[B_VE_OFF]), n_vs = n_elems(&B[B_VS_OFF]),
               n_st = n_elems(&B[B_ST_OFF]);
    PyObject *cols, *result = NULL;
    uint8_t *tmp;
    int k, j = 0;

    if (claim(d))
        return NULL;
    tmp = (uint8_t *)PyMem_Malloc((size_t)n + 1);
    cols = PyTuple_New(22);
    if (tmp == NULL || cols == NULL) {
        PyErr_NoMemory();
        goto done;
    }
#define ADD(expr)                               \
    do {                                        \
        PyObject *_o = (expr);                  \
        if (_o == NULL)                         \
            goto done;                          \
        PyTuple_SET_ITEM(cols, j, _o);          \
        j++;                                    \
    } while (0)
#define FILL(cond) for (i = 0; i < n; i++) tmp[i] = (uint8_t)((cond) != 0)

    /* time */
    FILL(1);
    ADD(spec_prim(n, tmp, hand_over(&B[B_TIME])));
    /* severity */
    ADD(code_strings((const uint8_t *)B[B_SEV].p, n, LEVELS, tmp));
    /* has_value: a data bitmap */
    ADD(Py_BuildValue("nn(ON)O", n, (Py_ssize_t)0, Py_None,
                      pack_valid((const uint8_t *)B[B_HASVAL].p, n, &nulls, 1), Py_None));
    /* status */
    FILL(1);
    ADD(spec_str(n, tmp, hand_over(&B[B_STATUS_OFF]), hand_over(&B[B_STATUS])));
    ADD(code_strings((const uint8_t *)B[B_QUALITY].p, n, QUALITIES, tmp));
    ADD(code_strings(type, n, TYPES, tmp));
    /* value_double, value_long, value_enum, value_string */
    FILL(type[i] == T_DOUBLE || type[i] == T_MINMAX);
    ADD(spec_list(n, tmp, hand_over(&B[B_VD_OFF]),
                  Py_BuildValue("nn(ON)O", n_vd, (Py_ssize_t)0, Py_None, hand_over(&B[B_VD]),
                                Py_None)));
    FILL(type[i] == T_LONG);
    ADD(spec_list(n, tmp, hand_over(&B[B_VL_OFF]),
                  Py_BuildValue("nn(ON)O", n_vl, (Py_ssize_t)0, Py_None, hand_over(&B[B_VL]),
                                Py_None)));
    FILL(type[i] == T_ENUM);
    ADD(spec_list(n, tmp, hand_over(&B[B_VE_OFF]),
                  Py_BuildValue("nn(ON)O", n_ve, (Py_ssize_t)0, Py_None, hand_over(&B[B_VE]),
                                Py_None)));
    FILL(type[i] == T_STRING);
    ADD(spec_list(n, tmp, hand_over(&B[B_VS_OFF]),
                  Py_BuildValue("nn(ONN)O", n_vs, (Py_ssize_t)0, Py_None,
                                hand_over(&B[B_VS_SOFF]), hand_over(&B[B_VS]), Py_None)));
    /* minimum, maximum */
    FILL(type[i] == T_MINMAX);
    ADD(spec_prim(n, tmp, hand_over(&B[B_MIN])));
    ADD(spec_prim(n, tmp, hand_over(&B[B_MAX])));
    /* meta_type, precision, units, limits */
    ADD(code_strings(meta, n, META_TYPES, tmp));
    FILL(valid[i] & V_PREC);
    ADD(spec_prim(n, tmp, hand_over(&B[B_PREC])));
    FILL(valid[i] & V_UNITS);
    ADD(spec_str(n, tmp, hand_over(&B[B_UNITS_OFF]), hand_over(&B[B_UNITS])));
    for (k = 0; k < 6; k++) {
        FILL(valid[i] & V_LIM(k));
        ADD(spec_prim(n, tmp, hand_over(&B[B_LIM0 + k])));
    }
    /* enum_states */
    FILL(valid[i] & V_STATES);
    ADD(spec_list(n, tmp, hand_over(&B[B_ST_OFF]),
                  Py_BuildValue("nn(ONN)O", n_st, (Py_ssize_t)0, Py_None,
                                hand_over(&B[B_ST_SOFF]), hand_over(&B[B_ST]), Py_None)));
#undef ADD
#undef FILL
    if (builder_reset(d)) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_BuildValue("nO", n, cols);
done:
    if (result == NULL) { /* some buffers may be handed over already: drop the page */
        d->broken = 1;
        builder_reset(d);
    }
    d->busy = 0;
    PyMem_Free(tmp);
    Py_XDECREF(cols);
    return result;
}

static PyObject *Decoder_get_rows(DecoderObject *d, void *Py_UNUSED(closure))
{
    return PyLong_FromSsize_t(d->rows);
}

static PyObject *Decoder_get_state(DecoderObject *d, void *Py_UNUSED(closure))
{
    return PyUnicode_FromString(STATE_NAMES[d->state]);
}

static PyMethodDef Decoder_methods[] = {
    {"parse", (PyCFunction)Decoder_parse, METH_VARARGS,
     "parse(buf, pos, max_rows) -> (new_pos, error)\n\n"
     "Decode the complete samples of buf[pos:] until the page holds max_rows rows.\n"
     "Stops before a sample the buffer cuts short. error is None or\n"
     "(message, field or None, byte position in buf); rows before it are kept."},
    {"take", (PyCFunction)Decoder_take, METH_NOARGS,
     "take() -> (rows, columns)\n\n"
     "Hand the page over as Arrow buffers (one (length, null_count, buffers, child)\n"
     "per column of SAMPLE_SCHEMA after 'channel') and start an empty page."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef Decoder_getset[] = {
    {"rows", (getter)Decoder_get_rows, NULL, "Rows in the current page.", NULL},
    {"state", (getter)Decoder_get_state, NULL,
     "Where in the array the decoder is: start, first, next, element or done.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject DecoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "arrowtap.connectors.pvarchiver._jsonv1.Decoder",
    .tp_basicsize = sizeof(DecoderObject),
    .tp_dealloc = (destructor)Decoder_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Decoder() -> incremental decoder of one JsonV1 samples body into pages.",
    .tp_methods = Decoder_methods,
    .tp_getset = Decoder_getset,
    .tp_new = Decoder_new,
};

static PyObject *names_tuple(const Name *names, int n)
{
    PyObject *t = PyTuple_New(n);
    int i;
    if (t == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *s = PyUnicode_FromStringAndSize(names[i].s, (Py_ssize_t)names[i].len);
        if (s == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, s);
    }
    return t;
}

static int add_names(PyObject *m, const char *attr, const Name *names, int n)
{
    PyObject *t = names_tuple(names, n);
    int rc = t ? PyModule_AddObjectRef(m, attr, t) : -1;
    Py_XDECREF(t);
    return rc;
}

/* scan_object_end(buf, pos, state) -> (new_pos, new_state, closed)
 *
 * Follows the nesting of the sample object that starts a buffer (state 0 at its '{'),
 * without validating it, to tell cheaply when the rest of a cut-short sample has
 * arrived: only then is it worth parsing again.  Resumable across chunks. */
static PyObject *scan_object_end(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer view;
    Py_ssize_t pos, i;
    long long state, depth;
    int in_str, esc, closed = 0;
    const uint8_t *b;

    if (!PyArg_ParseTuple(args, "y*nL:scan_object_end", &view, &pos, &state))
        return NULL;
    if (pos < 0 || pos > view.len || state < 0) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "pos or state out of range");
        return NULL;
    }
    b = (const uint8_t *)view.buf;
    depth = state >> 2;
    in_str = (int)((state >> 1) & 1);
    esc = (int)(state & 1);
    for (i = pos; i < view.len; i++) {
        uint8_t ch = b[i];
        if (in_str) {
            if (esc)
                esc = 0;
            else if (ch == '\\')
                esc = 1;
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == '{' || ch == '[') {
            depth++;
        } else if (ch == '}' || ch == ']') {
            if (--depth <= 0) {
                closed = 1;
                i++;
                depth = 0;
                break;
            }
        }
    }
    PyBuffer_Release(&view);
    return Py_BuildValue("nLO", i, (depth << 2) | (in_str << 1) | esc,
                         closed ? Py_True : Py_False);
}

static PyMethodDef module_methods[] = {
    {"scan_object_end", scan_object_end, METH_VARARGS,
     "scan_object_end(buf, pos, state) -> (new_pos, new_state, closed)\n\n"
     "Track the nesting of the object starting buf (state 0 at its '{') from pos on;\n"
     "closed tells whether it ended (new_pos is then just past it)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef jsonv1_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "arrowtap.connectors.pvarchiver._jsonv1",
    .m_doc = "Compiled decoder of Cassandra PV Archiver JsonV1 sample arrays.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__jsonv1(void)
{
    PyObject *m;
    if (init_tables()) {
        PyErr_SetString(PyExc_SystemError, "_jsonv1: a name is longer than a literal holds");
        return NULL;
    }
#ifdef HAVE_STRTOD_L
    if (c_locale == (locale_t)0) {
        c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
        if (c_locale == (locale_t)0)
            return PyErr_NoMemory();
    }
#endif
    if (PyType_Ready(&DecoderType) < 0 || PyType_Ready(&ChunkType) < 0)
        return NULL;
    m = PyModule_Create(&jsonv1_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Decoder", (PyObject *)&DecoderType) < 0 ||
        add_names(m, "LEVELS", LEVELS, N_LEVELS) < 0 ||
        add_names(m, "QUALITIES", QUALITIES, N_QUALITIES) < 0 ||
        add_names(m, "TYPES", TYPES, N_TYPES) < 0 ||
        add_names(m, "META_TYPES", META_TYPES, N_META_TYPES) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
