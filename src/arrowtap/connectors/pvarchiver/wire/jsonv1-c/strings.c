/*
 * strings.c -- JSON strings: scanning, unescaping, UTF-8 validation, and strings
 * read as one of a table of names (the enumerated columns).
 */
#include "parse.h"

/* 1 for the bytes that end the fast path of a string scan. */
static uint8_t STR_SPECIAL[256];

void jv1_strings_init(void)
{
    int i;
    for (i = 0; i < 256; i++)
        STR_SPECIAL[i] = (uint8_t)(i < 0x20 || i >= 0x80 || i == '"' || i == '\\');
}

/* *p is the opening quote.  On J_OK *close is the closing quote and *plain tells
 * whether the content is printable ASCII without escapes (usable as it is). */
int jv1_scan_string(Ctx *c, const uint8_t *p, const uint8_t **close, int *plain,
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
            return jv1_fail(c, s, field, "raw control character 0x%02x in a string", *s);
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
int jv1_decode_string(Ctx *c, const uint8_t *s, const uint8_t *e, Buf *out, const char *field)
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
            /* jv1_scan_string guarantees s[1] is before the closing quote */
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
                    return jv1_fail(c, s, field, "invalid \\u escape in a string");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (e - s < 12 || s[6] != '\\' || s[7] != 'u' || hex4(s + 8, &lo) ||
                        lo < 0xDC00 || lo > 0xDFFF)
                        return jv1_fail(c, s, field, "unpaired UTF-16 surrogate in a string");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    s += 12;
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return jv1_fail(c, s, field, "unpaired UTF-16 surrogate in a string");
                } else {
                    s += 6;
                }
                o = put_utf8(o, cp);
                break;
            }
            default:
                return jv1_fail(c, s, field, "invalid escape in a string");
            }
        } else {
            size_t n = utf8_seq(s, e);
            if (n == 0)
                return jv1_fail(c, s, field, "invalid UTF-8 in a string");
            memcpy(o, s, n);
            o += n;
            s += n;
        }
    }
    out->len = (size_t)((char *)o - out->p);
    return J_OK;
}

/* Reads the string at *pp (a quote).  The result (sp, len) points into the input when it needs no
 * decoding, else into the scratch buffer (valid until the next jv1_get_str). */
int jv1_get_str(Ctx *c, const uint8_t **pp, const uint8_t **sp, size_t *len, const char *field)
{
    const uint8_t *p = *pp, *close;
    int plain, rc = jv1_scan_string(c, p, &close, &plain, field);
    if (rc)
        return rc;
    if (plain) {
        *sp = p + 1;
        *len = (size_t)(close - p - 1);
    } else {
        c->scratch->len = 0;
        rc = jv1_decode_string(c, p + 1, close, c->scratch, field);
        if (rc)
            return rc;
        *sp = (const uint8_t *)c->scratch->p;
        *len = c->scratch->len;
    }
    *pp = close + 1;
    return J_OK;
}

/* Appends the string at *pp to data (and its end offset to offs, if given). */
int jv1_put_string(Ctx *c, const uint8_t **pp, Buf *data, Buf *offs, const char *field)
{
    const uint8_t *p = *pp, *close;
    int plain, rc;
    if (*p != '"')
        return jv1_fail(c, p, field, "expected a string, got %s", jv1_kind_of(*p));
    rc = jv1_scan_string(c, p, &close, &plain, field);
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
    } else if ((rc = jv1_decode_string(c, p + 1, close, data, field)) != J_OK) {
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

/* Reads a string that must be one of names (ASCII case-insensitive) into *out. */
int jv1_parse_code(Ctx *c, const uint8_t **pp, const Name *names, int count, uint8_t *out,
                   const char *field)
{
    const uint8_t *p = *pp, *s;
    size_t len;
    int rc, i;
    if (*p != '"')
        return jv1_fail(c, p, field, "expected a string, got %s", jv1_kind_of(*p));
    if ((i = exact_name(c, p, names, count)) >= 0) {
        *out = (uint8_t)i;
        *pp = p + names[i].len + 2;
        return J_OK;
    }
    if ((rc = jv1_get_str(c, &p, &s, &len, field)) != J_OK)
        return rc;
    for (i = 0; i < count; i++) {
        if (ascii_ieq(s, len, &names[i])) {
            *out = (uint8_t)i;
            *pp = p;
            return J_OK;
        }
    }
    return jv1_fail(c, *pp, field, "unknown value \"%s\"", jv1_printable(c, s, len));
}
