/*
 * sample.c -- the array of samples, '[' sample (',' sample)* ']', and each sample
 * object: its members read (the value array by type), checked for the required
 * ones, and committed as a row of the page; a sample cut short is rolled back.
 * The loop over the samples and the sample parser share this file so that the
 * compiler inlines one into the other, as the hot path needs.
 */
#include "decoder.h"

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

static int parse_values(Ctx *c, const uint8_t **pp, int type)
{
    Buf *B = c->bufs;
    const uint8_t *p = *pp;
    int rc = jv1_arr_open(c, &p, "value");
    while (rc == J_OK) {
        switch (type) {
        case T_DOUBLE:
        case T_MINMAX: {
            double v;
            if ((rc = jv1_parse_double(c, &p, &v, "value")) == J_OK)
                rc = put_f64(&B[B_VD], v);
            break;
        }
        case T_LONG: {
            int64_t v;
            if ((rc = jv1_parse_int(c, &p, &v, "value")) == J_OK)
                rc = put_i64(&B[B_VL], v);
            break;
        }
        case T_ENUM: {
            int64_t v;
            const uint8_t *at = p;
            if ((rc = jv1_parse_int(c, &p, &v, "value")) == J_OK) {
                if (v < INT32_MIN || v > INT32_MAX)
                    rc = jv1_fail(c, at, "value", "enum index out of the int32 range");
                else
                    rc = put_i32(&B[B_VE], (int32_t)v);
            }
            break;
        }
        default:
            rc = jv1_put_string(c, &p, &B[B_VS], &B[B_VS_SOFF], "value");
        }
        if (rc)
            return rc;
        rc = jv1_arr_next(c, &p, "value");
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
    rc = jv1_obj_open(c, &p, NULL);
    while (rc == J_OK) {
        /* after "quality" the server writes "metaData", or "type" when there is none */
        int hint = (id == K_QUALITY && p + 1 < c->end && p[1] == 't') ? K_TYPE : id + 1;
        rc = jv1_read_key(c, &p, SAMPLE_KEYS, N_SAMPLE_KEYS, hint, &id, &k, &kl, NULL);
        if (rc != J_OK)
            return rc;
        if (id >= 0) {
            if (r->seen & (1u << id))
                return jv1_fail(c, p, NULL, "duplicate field \"%s\"", SAMPLE_KEYS[id].name);
            r->seen |= 1u << id;
        }
        switch (id) {
        case K_TIME: rc = jv1_parse_int(c, &p, &r->time, "time"); break;
        case K_SEV: rc = jv1_parse_severity(c, &p); break;
        case K_STATUS:
            rc = jv1_put_string(c, &p, &c->bufs[B_STATUS], NULL, "status");
            break;
        case K_QUALITY:
            rc = jv1_parse_code(c, &p, QUALITIES, N_QUALITIES, &r->quality, "quality");
            break;
        case K_META: rc = jv1_parse_meta(c, &p); break;
        case K_TYPE: rc = jv1_parse_code(c, &p, TYPES, N_TYPES, &r->type, "type"); break;
        case K_VALUE:
            if (r->seen & (1u << K_TYPE)) {
                rc = parse_values(c, &p, r->type);
            } else { /* "type" comes later: validate now, decode at the end */
                if (*p != '[')
                    return jv1_fail(c, p, "value", "expected an array, got %s", jv1_kind_of(*p));
                deferred = p;
                rc = jv1_skip_value(c, &p, 0, "value");
            }
            break;
        case K_MIN: rc = jv1_parse_double(c, &p, &r->minimum, "minimum"); break;
        case K_MAX: rc = jv1_parse_double(c, &p, &r->maximum, "maximum"); break;
        default: rc = jv1_skip_unknown(c, &p, k, kl);
        }
        if (rc)
            return rc;
        rc = jv1_obj_next(c, &p, NULL);
    }
    if (rc != J_END)
        return rc;
    if ((r->seen & REQUIRED) != REQUIRED)
        for (i = 0; i < sizeof required_ids / sizeof required_ids[0]; i++)
            if (!(r->seen & (1u << required_ids[i])))
                return jv1_fail(c, *pp, required[i], "missing field");
    if (r->type == T_MINMAX) {
        if (!(r->seen & (1u << K_MIN)))
            return jv1_fail(c, *pp, "minimum", "missing field (required for minMaxDouble)");
        if (!(r->seen & (1u << K_MAX)))
            return jv1_fail(c, *pp, "maximum", "missing field (required for minMaxDouble)");
    }
    if (deferred && (rc = parse_values(c, &deferred, r->type)) != J_OK)
        return rc;
    if ((rc = commit_row(c, *pp)) != J_OK)
        return rc;
    *pp = p;
    return J_OK;
}

/* The array around the samples: '[' sample (',' sample)* ']' then whitespace. */
int jv1_run(DecoderObject *d, Ctx *c, const uint8_t **pp, Py_ssize_t max_rows)
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
                rc = jv1_fail(c, p, NULL, "expected '[' to open the array of samples, got %s",
                              jv1_kind_of(*p));
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
                rc = jv1_fail(c, p, NULL, "expected ',' or ']' after a sample");
                goto out;
            }
            p++;
            continue;
        case S_DONE:
            rc = jv1_fail(c, p, NULL, "unexpected data after the closing ']'");
            goto out;
        default: /* S_FIRST, S_ELEM: a sample ('{'), or ']' right after '[' */
            if (*p == ']' && d->state == S_FIRST) {
                p++;
                d->state = S_DONE;
                continue;
            }
            if (*p != '{') {
                rc = jv1_fail(c, p, NULL, "expected a sample object, got %s", jv1_kind_of(*p));
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
