/*
 * meta.c -- the objects every sample repeats, metaData and severity: parsed into the
 * row (and metaData's child buffers), and cached, so that the next sample's same
 * bytes are copied rather than parsed.
 */
#include "parse.h"

static const char *const META_FIELDS[N_META_KEYS] = {
    "metaData.type",    "metaData.precision", "metaData.units",       "metaData.displayLow",
    "metaData.displayHigh", "metaData.warnLow", "metaData.warnHigh",  "metaData.alarmLow",
    "metaData.alarmHigh",   "metaData.states"};

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
        return jv1_literal(c, pp, "null", 4, "metaData");
    }
    rc = jv1_obj_open(c, &p, "metaData");
    while (rc == J_OK) {
        if ((rc = jv1_read_key(c, &p, META_KEYS, N_META_KEYS, id + 1, &id, &k, &kl, "metaData")) !=
            J_OK)
            return rc;
        if (id < 0) {
            rc = jv1_skip_unknown(c, &p, k, kl);
        } else {
            const char *field = META_FIELDS[id];
            if (seen & (1u << id))
                return jv1_fail(c, p, NULL, "duplicate field \"%s\"", field);
            seen |= 1u << id;
            r->valid |= 1u << id;
            switch (id) {
            case KM_TYPE:
                rc = jv1_parse_code(c, &p, META_TYPES, N_META_TYPES, &mt, field);
                break;
            case KM_PRECISION: {
                int64_t v = 0;
                const uint8_t *at = p;
                rc = jv1_parse_int(c, &p, &v, field);
                if (!rc && (v < INT32_MIN || v > INT32_MAX))
                    rc = jv1_fail(c, at, field, "integer out of the int32 range");
                r->precision = (int32_t)v;
                break;
            }
            case KM_UNITS:
                if (*p == 'n') {
                    r->valid &= ~V_UNITS; /* null */
                    rc = jv1_literal(c, &p, "null", 4, field);
                } else {
                    rc = jv1_put_string(c, &p, &B[B_UNITS], NULL, field);
                }
                break;
            case KM_STATES:
                rc = jv1_arr_open(c, &p, field);
                while (rc == J_OK) {
                    if ((rc = jv1_put_string(c, &p, &B[B_ST], &B[B_ST_SOFF], field)) != J_OK)
                        return rc;
                    rc = jv1_arr_next(c, &p, field);
                }
                if (rc == J_END)
                    rc = J_OK;
                break;
            default:
                rc = jv1_parse_double(c, &p, &r->lim[id - KM_LIM0], field);
            }
        }
        if (rc)
            return rc;
        rc = jv1_obj_next(c, &p, "metaData");
    }
    if (rc != J_END)
        return rc;
    if (mt == M_NULL)
        return jv1_fail(c, *pp, "metaData.type", "missing field");
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
            return jv1_fail(c, at, "metaData.states",
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

int jv1_parse_meta(Ctx *c, const uint8_t **pp)
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

static int parse_severity_text(Ctx *c, const uint8_t **pp)
{
    const uint8_t *p = *pp, *k = NULL;
    size_t kl = 0;
    unsigned seen = 0;
    int id = -1, rc = jv1_obj_open(c, &p, "severity");
    while (rc == J_OK) {
        rc = jv1_read_key(c, &p, SEV_KEYS, N_SEV_KEYS, id + 1, &id, &k, &kl, "severity");
        if (rc != J_OK)
            return rc;
        if (id >= 0) {
            if (seen & (1u << id))
                return jv1_fail(c, p, NULL, "duplicate field \"severity.%s\"", SEV_KEYS[id].name);
            seen |= 1u << id;
        }
        if (id == KS_LEVEL)
            rc = jv1_parse_code(c, &p, LEVELS, N_LEVELS, &c->row.sev, "severity.level");
        else if (id == KS_HASVALUE)
            rc = jv1_parse_bool(c, &p, &c->row.hasval, "severity.hasValue");
        else
            rc = jv1_skip_unknown(c, &p, k, kl);
        if (rc)
            return rc;
        rc = jv1_obj_next(c, &p, "severity");
    }
    if (rc != J_END)
        return rc;
    if (!(seen & (1u << KS_LEVEL)))
        return jv1_fail(c, *pp, "severity.level", "missing field");
    if (!(seen & (1u << KS_HASVALUE)))
        return jv1_fail(c, *pp, "severity.hasValue", "missing field");
    *pp = p;
    return J_OK;
}

/* Like metaData, the severity object repeats: the same bytes give the same values. */
int jv1_parse_severity(Ctx *c, const uint8_t **pp)
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
