/*
 * encode.c -- column buffers -> Avro binary: encode_rows writes the rows of a batch as
 * one Avro array<bytes> whose items are records of the table's type, the `list` field
 * of /insert/records, ready to be spliced into the request body.
 *
 * Two passes without the GIL: the first sizes every record (and checks the buffers:
 * offsets inside the data, no null in a column that is not nullable), the second writes
 * into a bytes object of exactly that size.
 */
#include "avro.h"

typedef struct {
    int kind;
    int nullable;
    Py_ssize_t off; /* the Arrow array's offset */
    Py_buffer valid, data, offs;
    int has_valid, has_data, has_offs;
} Input;

static void release_inputs(Input *in, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        if (in[i].has_valid)
            PyBuffer_Release(&in[i].valid);
        if (in[i].has_data)
            PyBuffer_Release(&in[i].data);
        if (in[i].has_offs)
            PyBuffer_Release(&in[i].offs);
    }
}

static inline int is_valid(const Input *c, Py_ssize_t row)
{
    Py_ssize_t bit = c->off + row;
    return !c->has_valid || ((((const uint8_t *)c->valid.buf)[bit >> 3] >> (bit & 7)) & 1);
}

static inline int32_t offset_at(const Input *c, Py_ssize_t row)
{
    int32_t o;
    memcpy(&o, (const char *)c->offs.buf + (c->off + row) * 4, 4);
    return o;
}

/* The encoded size of one value (its union branch included); -1 on a bad buffer. */
static inline int64_t value_size(const Input *c, Py_ssize_t row, Err *e)
{
    int64_t n = c->nullable ? 1 : 0;
    if (!is_valid(c, row)) {
        if (!c->nullable) {
            e->msg = "null in a column that is not nullable";
            return -1;
        }
        return n;
    }
    switch (c->kind) {
    case K_INT: {
        int32_t x;
        memcpy(&x, (const char *)c->data.buf + (c->off + row) * 4, 4);
        return n + (int64_t)varint_size(zigzag(x));
    }
    case K_LONG: {
        int64_t x;
        memcpy(&x, (const char *)c->data.buf + (c->off + row) * 8, 8);
        return n + (int64_t)varint_size(zigzag(x));
    }
    case K_FLOAT:
        return n + 4;
    case K_DOUBLE:
        return n + 8;
    default: {
        int32_t a = offset_at(c, row), b = offset_at(c, row + 1);
        if (a < 0 || b < a || (Py_ssize_t)b > c->data.len) {
            e->msg = "string offsets outside the data buffer";
            return -1;
        }
        return n + (int64_t)varint_size(zigzag(b - a)) + (b - a);
    }
    }
}

static uint8_t *write_value(uint8_t *p, const Input *c, Py_ssize_t row)
{
    if (!is_valid(c, row)) {
        *p++ = 2; /* branch 1: null */
        return p;
    }
    if (c->nullable)
        *p++ = 0;
    switch (c->kind) {
    case K_INT: {
        int32_t x;
        memcpy(&x, (const char *)c->data.buf + (c->off + row) * 4, 4);
        return put_varint(p, zigzag(x));
    }
    case K_LONG: {
        int64_t x;
        memcpy(&x, (const char *)c->data.buf + (c->off + row) * 8, 8);
        return put_varint(p, zigzag(x));
    }
    case K_FLOAT:
        memcpy(p, (const char *)c->data.buf + (c->off + row) * 4, 4);
        return p + 4;
    case K_DOUBLE:
        memcpy(p, (const char *)c->data.buf + (c->off + row) * 8, 8);
        return p + 8;
    default: {
        int32_t a = offset_at(c, row), b = offset_at(c, row + 1);
        p = put_varint(p, zigzag(b - a));
        if (b > a)
            memcpy(p, (const char *)c->data.buf + a, (size_t)(b - a));
        return p + (b - a);
    }
    }
}

static int get_buffer(PyObject *obj, Py_buffer *view, int *has)
{
    if (obj == Py_None)
        return 0;
    if (PyObject_GetBuffer(obj, view, PyBUF_SIMPLE) < 0)
        return -1;
    *has = 1;
    return 0;
}

/* Checks that the buffers of column c hold rows [0, nrows); sets a Python error if not. */
static int check_sizes(const Input *c, Py_ssize_t nrows, int i)
{
    Py_ssize_t end = c->off + nrows;
    size_t w = kind_width(c->kind);
    const char *what = NULL;
    if (c->has_valid && c->valid.len < (end + 7) / 8)
        what = "validity bitmap";
    else if (w && (!c->has_data || c->data.len < end * (Py_ssize_t)w))
        what = "values";
    else if (!w && (!c->has_offs || c->offs.len < (end + 1) * 4))
        what = "offsets";
    if (what != NULL) {
        PyErr_Format(PyExc_ValueError, "column %d: the %s buffer is too short", i, what);
        return -1;
    }
    return 0;
}

/* encode_rows(columns, layout, nrows) -> bytes
 * columns: one (validity or None, values or None, offsets or None, offset) per column. */
PyObject *avr_encode_rows(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *columns, *seq = NULL, *out = NULL;
    Py_buffer layout;
    Py_ssize_t nrows, row;
    Input *in = NULL;
    int64_t *sizes = NULL, total = 0;
    int ncols = 0, i, bad = 0;
    Err e = {NULL, -1, -1, 0};
    if (!PyArg_ParseTuple(args, "OO&n:encode_rows", &columns, avr_layout, &layout, &nrows))
        return NULL;
    seq = PySequence_Fast(columns, "columns must be a sequence");
    if (seq == NULL || nrows < 0)
        goto done;
    ncols = (int)PySequence_Fast_GET_SIZE(seq);
    if (ncols != layout.len) {
        PyErr_SetString(PyExc_ValueError, "one column per layout byte");
        goto done;
    }
    in = PyMem_Calloc((size_t)(ncols ? ncols : 1), sizeof(Input));
    sizes = PyMem_Malloc((size_t)(nrows ? nrows : 1) * sizeof(int64_t));
    if (in == NULL || sizes == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < ncols; i++) {
        PyObject *v, *d, *o;
        Input *c = &in[i];
        c->kind = ((const uint8_t *)layout.buf)[i] & 0x7f;
        c->nullable = (((const uint8_t *)layout.buf)[i] & K_NULLABLE) != 0;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, i), "OOOn", &v, &d, &o, &c->off))
            goto done;
        if (c->off < 0 || get_buffer(v, &c->valid, &c->has_valid) ||
            get_buffer(d, &c->data, &c->has_data) || get_buffer(o, &c->offs, &c->has_offs) ||
            check_sizes(c, nrows, i)) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_ValueError, "column %d: negative offset", i);
            goto done;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    for (row = 0; row < nrows && !bad; row++) {
        int64_t size = 0;
        for (i = 0; i < ncols; i++) {
            int64_t s = value_size(&in[i], row, &e);
            if (s < 0) {
                e.row = row;
                e.column = i;
                bad = 1;
                break;
            }
            size += s;
        }
        sizes[row] = size;
        total += (int64_t)varint_size(zigzag(size)) + size;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        avr_raise(&e);
        goto done;
    }
    total += nrows ? (int64_t)varint_size(zigzag(nrows)) + 1 : 1;
    out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)total);
    if (out == NULL)
        goto done;
    {
        uint8_t *p = (uint8_t *)PyBytes_AS_STRING(out);
        Py_BEGIN_ALLOW_THREADS
        if (nrows)
            p = put_varint(p, zigzag(nrows));
        for (row = 0; row < nrows; row++) {
            p = put_varint(p, zigzag(sizes[row]));
            for (i = 0; i < ncols; i++)
                p = write_value(p, &in[i], row);
        }
        *p = 0;
        Py_END_ALLOW_THREADS
    }
done:
    if (in != NULL)
        release_inputs(in, ncols);
    PyMem_Free(in);
    PyMem_Free(sizes);
    Py_XDECREF(seq);
    PyBuffer_Release(&layout);
    return out;
}
