/*
 * lex.c -- the structure of JSON: error recording, literals, objects and arrays,
 * member names matched against a key table, and skipping (validating) any value.
 */
#include "parse.h"

#define MAX_DEPTH 512 /* nesting of unknown values we skip */

int jv1_fail(Ctx *c, const uint8_t *pos, const char *field, const char *fmt, ...)
{
    va_list ap;
    c->errpos = pos;
    c->field = field;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    return J_ERROR;
}

const char *jv1_kind_of(uint8_t ch)
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

/* Up to 40 bytes of s, non-printable ones as '?', for a message (in c->keyname). */
const char *jv1_printable(Ctx *c, const uint8_t *s, size_t len)
{
    size_t i, n = len < 40 ? len : 40;
    for (i = 0; i < n; i++)
        c->keyname[i] = (s[i] >= 0x20 && s[i] < 0x7F) ? (char)s[i] : '?';
    c->keyname[n] = '\0';
    return c->keyname;
}

int jv1_literal(Ctx *c, const uint8_t **pp, const char *word, size_t wl, const char *field)
{
    const uint8_t *p = *pp;
    size_t avail = (size_t)(c->end - p), k = avail < wl ? avail : wl, i;
    if (LIKELY(avail >= 4) && wl == 4 && memcmp(p, word, 4) == 0) { /* inlined: true, null */
        *pp = p + 4;
        return J_OK;
    }
    for (i = 0; i < k; i++)
        if (p[i] != (uint8_t)word[i])
            return jv1_fail(c, p, field, "invalid JSON literal");
    if (avail < wl)
        return J_INCOMPLETE;
    *pp = p + wl;
    return J_OK;
}

int jv1_parse_bool(Ctx *c, const uint8_t **pp, uint8_t *out, const char *field)
{
    if (**pp == 't') {
        *out = 1;
        return jv1_literal(c, pp, "true", 4, field);
    }
    if (**pp == 'f') {
        *out = 0;
        return jv1_literal(c, pp, "false", 5, field);
    }
    return jv1_fail(c, *pp, field, "expected a boolean, got %s", jv1_kind_of(**pp));
}

/* *pp at '{': consumes it; J_END if the object is empty. */
int jv1_obj_open(Ctx *c, const uint8_t **pp, const char *field)
{
    const uint8_t *p = *pp;
    if (*p != '{')
        return jv1_fail(c, p, field, "expected an object, got %s", jv1_kind_of(*p));
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
        return jv1_fail(c, p, field, "expected a field name");
    if ((rc = jv1_get_str(c, &p, k, kl, field)) != J_OK)
        return rc;
    SKIP_WS(c, p);
    if (*p != ':')
        return jv1_fail(c, p, field, "expected ':' after a field name");
    p++;
    SKIP_WS(c, p);
    *pp = p;
    return J_OK;
}

/* After an element of an object or array: J_OK at the next one, or J_END past `close`. */
static inline int seq_next(Ctx *c, const uint8_t **pp, const char *field, uint8_t close,
                           const char *expected)
{
    const uint8_t *p = *pp;
    SKIP_WS(c, p);
    if (*p == ',') {
        p++;
        SKIP_WS(c, p);
        *pp = p;
        return J_OK;
    }
    if (*p == close) {
        *pp = p + 1;
        return J_END;
    }
    return jv1_fail(c, p, field, "%s", expected);
}

/* After a member: J_OK at the next field name, or J_END past the '}'. */
int jv1_obj_next(Ctx *c, const uint8_t **pp, const char *field)
{
    return seq_next(c, pp, field, '}', "expected ',' or '}'");
}

int jv1_arr_open(Ctx *c, const uint8_t **pp, const char *field)
{
    const uint8_t *p = *pp;
    if (*p != '[')
        return jv1_fail(c, p, field, "expected an array, got %s", jv1_kind_of(*p));
    p++;
    SKIP_WS(c, p);
    if (*p == ']') {
        *pp = p + 1;
        return J_END;
    }
    *pp = p;
    return J_OK;
}

int jv1_arr_next(Ctx *c, const uint8_t **pp, const char *field)
{
    return seq_next(c, pp, field, ']', "expected ',' or ']'");
}

/* Skips (and validates) any JSON value. */
int jv1_skip_value(Ctx *c, const uint8_t **pp, int depth, const char *field)
{
    const uint8_t *p = *pp, *k;
    size_t kl;
    int rc;
    switch (*p) {
    case '"': {
        const uint8_t *close;
        int plain;
        if ((rc = jv1_scan_string(c, p, &close, &plain, field)) != J_OK)
            return rc;
        if (!plain) {
            c->scratch->len = 0;
            if ((rc = jv1_decode_string(c, p + 1, close, c->scratch, field)) != J_OK)
                return rc;
        }
        p = close + 1;
        break;
    }
    case '{':
        if (depth >= MAX_DEPTH)
            return jv1_fail(c, p, field, "JSON nested deeper than %d levels", MAX_DEPTH);
        rc = jv1_obj_open(c, &p, field);
        while (rc == J_OK) {
            if ((rc = obj_key(c, &p, &k, &kl, field)) != J_OK)
                return rc;
            if ((rc = jv1_skip_value(c, &p, depth + 1, field)) != J_OK)
                return rc;
            rc = jv1_obj_next(c, &p, field);
        }
        if (rc != J_END)
            return rc;
        break;
    case '[':
        if (depth >= MAX_DEPTH)
            return jv1_fail(c, p, field, "JSON nested deeper than %d levels", MAX_DEPTH);
        rc = jv1_arr_open(c, &p, field);
        while (rc == J_OK) {
            if ((rc = jv1_skip_value(c, &p, depth + 1, field)) != J_OK)
                return rc;
            rc = jv1_arr_next(c, &p, field);
        }
        if (rc != J_END)
            return rc;
        break;
    case 't':
        return jv1_literal(c, pp, "true", 4, field);
    case 'f':
        return jv1_literal(c, pp, "false", 5, field);
    case 'n':
        return jv1_literal(c, pp, "null", 4, field);
    default:
        if (*p == '-' || IS_DIGIT(*p)) {
            Num n;
            return jv1_lex_number(c, pp, &n, field);
        }
        return jv1_fail(c, p, field, "invalid JSON value");
    }
    *pp = p;
    return J_OK;
}

/* Skips the value of an unknown field, naming the field in errors. */
int jv1_skip_unknown(Ctx *c, const uint8_t **pp, const uint8_t *k, size_t kl)
{
    return jv1_skip_value(c, pp, 0, jv1_printable(c, k, kl));
}

/* *pp at a member name: reads it and the ':' up to the value.  *id is its index in
 * keys, or -1 for an unknown name (then *k, *kl).  keys[hint] is tried first, as a
 * literal: in the server's compact output that is the only test needed. */
int jv1_read_key(Ctx *c, const uint8_t **pp, const Key *keys, int nkeys, int hint, int *id,
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
