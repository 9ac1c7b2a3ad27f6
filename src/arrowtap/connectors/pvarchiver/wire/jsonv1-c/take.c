/*
 * take.c -- Decoder.take: the page's buffers handed over as Arrow arrays
 * ((length, null_count, buffers, child) per column), validity bitmaps made here.
 */
#include "decoder.h"

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

PyObject *jv1_decoder_take(DecoderObject *d, PyObject *Py_UNUSED(ignored))
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

    if (jv1_claim(d))
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
    ADD(spec_prim(n, tmp, jv1_hand_over(&B[B_TIME])));
    /* severity */
    ADD(code_strings((const uint8_t *)B[B_SEV].p, n, LEVELS, tmp));
    /* has_value: a data bitmap */
    ADD(Py_BuildValue("nn(ON)O", n, (Py_ssize_t)0, Py_None,
                      pack_valid((const uint8_t *)B[B_HASVAL].p, n, &nulls, 1), Py_None));
    /* status */
    FILL(1);
    ADD(spec_str(n, tmp, jv1_hand_over(&B[B_STATUS_OFF]), jv1_hand_over(&B[B_STATUS])));
    ADD(code_strings((const uint8_t *)B[B_QUALITY].p, n, QUALITIES, tmp));
    ADD(code_strings(type, n, TYPES, tmp));
    /* value_double, value_long, value_enum, value_string */
    FILL(type[i] == T_DOUBLE || type[i] == T_MINMAX);
    ADD(spec_list(n, tmp, jv1_hand_over(&B[B_VD_OFF]),
                  Py_BuildValue("nn(ON)O", n_vd, (Py_ssize_t)0, Py_None, jv1_hand_over(&B[B_VD]),
                                Py_None)));
    FILL(type[i] == T_LONG);
    ADD(spec_list(n, tmp, jv1_hand_over(&B[B_VL_OFF]),
                  Py_BuildValue("nn(ON)O", n_vl, (Py_ssize_t)0, Py_None, jv1_hand_over(&B[B_VL]),
                                Py_None)));
    FILL(type[i] == T_ENUM);
    ADD(spec_list(n, tmp, jv1_hand_over(&B[B_VE_OFF]),
                  Py_BuildValue("nn(ON)O", n_ve, (Py_ssize_t)0, Py_None, jv1_hand_over(&B[B_VE]),
                                Py_None)));
    FILL(type[i] == T_STRING);
    ADD(spec_list(n, tmp, jv1_hand_over(&B[B_VS_OFF]),
                  Py_BuildValue("nn(ONN)O", n_vs, (Py_ssize_t)0, Py_None,
                                jv1_hand_over(&B[B_VS_SOFF]), jv1_hand_over(&B[B_VS]), Py_None)));
    /* minimum, maximum */
    FILL(type[i] == T_MINMAX);
    ADD(spec_prim(n, tmp, jv1_hand_over(&B[B_MIN])));
    ADD(spec_prim(n, tmp, jv1_hand_over(&B[B_MAX])));
    /* meta_type, precision, units, limits */
    ADD(code_strings(meta, n, META_TYPES, tmp));
    FILL(valid[i] & V_PREC);
    ADD(spec_prim(n, tmp, jv1_hand_over(&B[B_PREC])));
    FILL(valid[i] & V_UNITS);
    ADD(spec_str(n, tmp, jv1_hand_over(&B[B_UNITS_OFF]), jv1_hand_over(&B[B_UNITS])));
    for (k = 0; k < 6; k++) {
        FILL(valid[i] & V_LIM(k));
        ADD(spec_prim(n, tmp, jv1_hand_over(&B[B_LIM0 + k])));
    }
    /* enum_states */
    FILL(valid[i] & V_STATES);
    ADD(spec_list(n, tmp, jv1_hand_over(&B[B_ST_OFF]),
                  Py_BuildValue("nn(ONN)O", n_st, (Py_ssize_t)0, Py_None,
                                jv1_hand_over(&B[B_ST_SOFF]), jv1_hand_over(&B[B_ST]), Py_None)));
#undef ADD
#undef FILL
    if (jv1_builder_reset(d)) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_BuildValue("nO", n, cols);
done:
    if (result == NULL) { /* some buffers may be handed over already: drop the page */
        d->broken = 1;
        jv1_builder_reset(d);
    }
    d->busy = 0;
    PyMem_Free(tmp);
    Py_XDECREF(cols);
    return result;
}
