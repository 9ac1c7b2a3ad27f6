/*
 * numbers.c -- JSON numbers: lexing (8 digits at a time), int64, and correctly
 * rounded doubles (Clinger's fast path, else strtod_l in the C locale), plus the
 * quoted spellings of NaN and the infinities.
 */
#include "parse.h"

#ifdef HAVE_STRTOD_L
static locale_t c_locale; /* strtod must not follow a caller's LC_NUMERIC */
#endif

int jv1_numbers_init(void)
{
#ifdef HAVE_STRTOD_L
    if (c_locale == (locale_t)0) {
        c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
        if (c_locale == (locale_t)0)
            return -1;
    }
#endif
    return 0;
}

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
int jv1_lex_number(Ctx *c, const uint8_t **pp, Num *n, const char *field)
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
        return jv1_fail(c, n->start, field, "invalid number");
    }
    if (p >= end)
        return J_INCOMPLETE;
    if (*p == '.') {
        n->integral = 0;
        if (++p >= end)
            return J_INCOMPLETE;
        if (!IS_DIGIT(*p))
            return jv1_fail(c, n->start, field, "invalid number");
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
            return jv1_fail(c, n->start, field, "invalid number");
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
        return jv1_fail(c, n->start, field, "expected an integer, got a fraction or exponent");
    if (n->inexact || n->exp10 != 0 ||
        n->mant > (uint64_t)INT64_MAX + (uint64_t)(n->neg ? 1 : 0))
        return jv1_fail(c, n->start, field, "integer out of the int64 range");
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
int jv1_parse_int(Ctx *c, const uint8_t **pp, int64_t *out, const char *field)
{
    Num n;
    int rc;
    if (**pp != '-' && !IS_DIGIT(**pp))
        return jv1_fail(c, *pp, field, "expected an integer, got %s", jv1_kind_of(**pp));
    if ((rc = jv1_lex_number(c, pp, &n, field)) != J_OK)
        return rc;
    return num_to_i64(c, &n, out, field);
}

/* The value of each spelling in NONFINITE: 0 for NaN, else the sign of the infinity. */
static const double NONFINITE_SIGN[] = {0.0, 1.0, -1.0, 1.0, 1.0, 1.0, -1.0};

/* A double: a number token, or a string spelling NaN or an infinity. */
int jv1_parse_double(Ctx *c, const uint8_t **pp, double *out, const char *field)
{
    const uint8_t *p = *pp;
    int rc, i;
    if (*p == '"') {
        const uint8_t *s;
        size_t len;
        if ((i = exact_name(c, p, NONFINITE, 3)) >= 0) {
            p += NONFINITE[i].len + 2;
        } else {
            if ((rc = jv1_get_str(c, &p, &s, &len, field)) != J_OK)
                return rc;
            for (i = 0; i < 7 && !ascii_ieq(s, len, &NONFINITE[i]); i++)
                ;
            if (i == 7)
                return jv1_fail(c, *pp, field,
                                "expected a number or \"NaN\", \"Infinity\", \"-Infinity\"");
        }
        *out = NONFINITE_SIGN[i] == 0.0 ? (double)NAN : NONFINITE_SIGN[i] * (double)INFINITY;
        *pp = p;
        return J_OK;
    }
    if (*p == '-' || IS_DIGIT(*p)) {
        Num n;
        if ((rc = jv1_lex_number(c, &p, &n, field)) != J_OK)
            return rc;
        if ((rc = num_to_f64(c, &n, out)) != J_OK)
            return rc;
        *pp = p;
        return J_OK;
    }
    return jv1_fail(c, p, field, "expected a number, got %s", jv1_kind_of(*p));
}
