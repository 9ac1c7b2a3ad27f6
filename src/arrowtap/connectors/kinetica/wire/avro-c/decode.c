/*
 * decode.c -- Avro binary -> column buffers.
 *
 *   decode_rows    an Avro array<bytes> whose items are records of the table's type
 *                  (/get/records' records_binary), read in place from the response body
 *   decode_list    the same records given as a list of bytes objects (monitor frames)
 *   decode_arrays  one record of array<T> fields, column-major (/execute/sql and
 *                  /get/records/bycolumn's binary_encoded_response)
 *
 * Every read is checked against the end of its record (or of the input): a value that
 * runs past it, a varint longer than 10 bytes, an int outside 32 bits, a union branch
 * other than 0 (value) or 1 (null), a negative length, invalid UTF-8 in a string, or a
 * record with bytes left after its last field are errors naming row, column and byte
 * position.  The loops run without the GIL.
 */
#include "avro.h"

#define FAIL(e, r, text)              \
    do {                              \
        (e)->msg = (text);            \
        (e)->pos = reader_pos(r);     \
        return A_ERROR;               \
    } while (0)

static const char TRUNCATED[] = "value runs past the end of its record";
static const char BAD_VARINT[] = "varint longer than 10 bytes";

static inline int varint_fail(Err *e, const Reader *r, int rc)
{
    e->msg = rc == -1 ? TRUNCATED : BAD_VARINT;
    e->pos = reader_pos(r);
    return A_ERROR;
}

/* Reads one value of column c and appends it as row c->rows. */
static int read_value(Reader *r, Column *c, Err *e)
{
    Py_ssize_t row = c->rows;
    int64_t v;
    int rc;
    if (c->nullable) {
        if ((rc = read_long(r, &v)))
            return varint_fail(e, r, rc);
        if (v == 1) {
            size_t w = kind_width(c->kind);
            if (w) {
                memset(c->data.p + c->data.len, 0, w);
                c->data.len += w;
            } else {
                int32_t end = (int32_t)c->data.len;
                memcpy(c->offs.p + c->offs.len, &end, 4);
                c->offs.len += 4;
            }
            c->nulls++;
            c->rows++;
            return A_OK;
        }
        if (v != 0)
            FAIL(e, r, "union branch is neither 0 (value) nor 1 (null)");
        c->valid.p[row >> 3] |= (char)(1u << (row & 7));
    }
    switch (c->kind) {
    case K_INT: {
        int32_t x;
        if ((rc = read_long(r, &v)))
            return varint_fail(e, r, rc);
        if (v < INT32_MIN || v > INT32_MAX)
            FAIL(e, r, "int outside 32 bits");
        x = (int32_t)v;
        memcpy(c->data.p + c->data.len, &x, 4);
        c->data.len += 4;
        break;
    }
    case K_LONG:
        if ((rc = read_long(r, &v)))
            return varint_fail(e, r, rc);
        memcpy(c->data.p + c->data.len, &v, 8);
        c->data.len += 8;
        break;
    case K_FLOAT:
    case K_DOUBLE: {
        size_t w = c->kind == K_FLOAT ? 4 : 8;
        if ((size_t)(r->end - r->p) < w)
            FAIL(e, r, TRUNCATED);
        memcpy(c->data.p + c->data.len, r->p, w); /* little-endian on the wire and here */
        c->data.len += w;
        r->p += w;
        break;
    }
    default: { /* K_STRING, K_BYTES */
        int32_t end;
        if ((rc = read_long(r, &v)))
            return varint_fail(e, r, rc);
        if (v < 0)
            FAIL(e, r, "negative length");
        if (v > r->end - r->p)
            FAIL(e, r, TRUNCATED);
        if (c->kind == K_STRING && !avr_utf8_valid(r->p, (size_t)v))
            FAIL(e, r, "string is not valid UTF-8");
        if ((uint64_t)c->data.len + (uint64_t)v > INT32_MAX) {
            e->msg = "more than 2 GiB of strings in one column of a page";
            e->pos = reader_pos(r);
            return A_ERROR;
        }
        if (v > 0) { /* an empty string may come before any buffer exists */
            if (buf_reserve(&c->data, (size_t)v))
                return A_NOMEM;
            memcpy(c->data.p + c->data.len, r->p, (size_t)v);
            c->data.len += (size_t)v;
            r->p += v;
        }
        end = (int32_t)c->data.len;
        memcpy(c->offs.p + c->offs.len, &end, 4);
        c->offs.len += 4;
    }
    }
    c->rows++;
    return A_OK;
}

/* Reads one record of the layout from r, which ends where the record must end. */
static int read_record(Reader *r, Column *cols, int ncols, Err *e)
{
    int i, rc;
    for (i = 0; i < ncols; i++) {
        if ((rc = read_value(r, &cols[i], e))) {
            e->column = i;
            return rc;
        }
    }
    if (r->p != r->end)
        FAIL(e, r, "bytes left after the record's last field");
    return A_OK;
}

/* The item count of the next block of an Avro array (0 at its end). */
static int read_block(Reader *r, int64_t *count, Err *e)
{
    int64_t size;
    int rc;
    if ((rc = read_long(r, count))) {
        e->msg = rc == -1 ? "array ends before its closing 0 count" : BAD_VARINT;
        e->pos = reader_pos(r);
        return A_ERROR;
    }
    if (*count < 0) {
        if (*count == INT64_MIN)
            FAIL(e, r, "array block count out of range");
        *count = -*count;
        if ((rc = read_long(r, &size)))
            return varint_fail(e, r, rc);
        if (size < 0)
            FAIL(e, r, "negative array block size");
    }
    /* every item takes at least one byte: a larger count is a corrupt block */
    if (*count > r->end - r->p)
        FAIL(e, r, "array block count exceeds the bytes left");
    return A_OK;
}

static int rows_from_array(Reader *r, Column *cols, int ncols, Py_ssize_t *nrows, Err *e)
{
    int64_t count, i, len;
    int rc;
    for (;;) {
        if ((rc = read_block(r, &count, e)))
            return rc;
        if (count == 0)
            return A_OK;
        if (avr_columns_reserve(cols, ncols, (size_t)count))
            return A_NOMEM;
        for (i = 0; i < count; i++) {
            Reader rec;
            e->row = *nrows;
            if ((rc = read_long(r, &len)))
                return varint_fail(e, r, rc);
            if (len < 0 || len > r->end - r->p) {
                e->msg = len < 0 ? "negative record length" : "record runs past the end of the body";
                e->pos = reader_pos(r);
                return A_ERROR;
            }
            rec.p = r->p;
            rec.end = r->p + len;
            rec.start = r->start;
            if ((rc = read_record(&rec, cols, ncols, e)))
                return rc;
            r->p += len;
            (*nrows)++;
        }
    }
}

static PyObject *finish(Column *cols, int ncols, int rc, Err *e, PyObject *result_head)
{
    PyObject *columns;
    if (rc != A_OK) {
        avr_columns_free(cols, ncols);
        PyMem_Free(cols);
        Py_XDECREF(result_head);
        return rc == A_NOMEM ? PyErr_NoMemory() : avr_raise(e);
    }
    columns = avr_columns_to_python(cols, ncols);
    avr_columns_free(cols, ncols);
    PyMem_Free(cols);
    if (columns == NULL || result_head == NULL) {
        Py_XDECREF(columns);
        Py_XDECREF(result_head);
        return NULL;
    }
    return Py_BuildValue("NN", result_head, columns);
}

static Column *new_columns(const Py_buffer *layout)
{
    Column *cols = PyMem_Calloc((size_t)(layout->len ? layout->len : 1), sizeof(Column));
    if (cols == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (avr_columns_init(cols, (const uint8_t *)layout->buf, (int)layout->len)) {
        avr_columns_free(cols, (int)layout->len);
        PyMem_Free(cols);
        PyErr_NoMemory();
        return NULL;
    }
    return cols;
}

/* The start of decode_rows and decode_arrays: check pos, make the columns of
   `layout` (released here), point `r` at view[pos:]. NULL (view released) on error. */
static Column *open_page(Py_buffer *view, Py_ssize_t pos, Py_buffer *layout, Reader *r)
{
    Column *cols;
    if (pos < 0 || pos > view->len) {
        PyBuffer_Release(view);
        PyBuffer_Release(layout);
        PyErr_SetString(PyExc_IndexError, "pos outside the buffer");
        return NULL;
    }
    cols = new_columns(layout);
    PyBuffer_Release(layout);
    if (cols == NULL) {
        PyBuffer_Release(view);
        return NULL;
    }
    r->start = (const uint8_t *)view->buf;
    r->p = r->start + pos;
    r->end = r->start + view->len;
    return cols;
}

/* decode_rows(buf, pos, layout) -> ((end, nrows), columns) */
PyObject *avr_decode_rows(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer view, layout;
    Py_ssize_t pos, nrows = 0;
    Column *cols;
    Err e = {NULL, -1, -1, 0};
    Reader r;
    int rc, ncols;
    if (!PyArg_ParseTuple(args, "y*nO&:decode_rows", &view, &pos, avr_layout, &layout))
        return NULL;
    ncols = (int)layout.len;
    if ((cols = open_page(&view, pos, &layout, &r)) == NULL)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = rows_from_array(&r, cols, ncols, &nrows, &e);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return finish(cols, ncols, rc, &e, rc ? NULL : Py_BuildValue("nn", reader_pos(&r), nrows));
}

/* decode_list(records, layout) -> (nrows, columns): records a sequence of bytes. */
PyObject *avr_decode_list(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *seq, *items;
    Py_buffer layout;
    Py_ssize_t n, i;
    Column *cols;
    Err e = {NULL, -1, -1, 0};
    int rc = A_OK, ncols;
    if (!PyArg_ParseTuple(args, "OO&:decode_list", &seq, avr_layout, &layout))
        return NULL;
    items = PySequence_Tuple(seq); /* holds the items while the GIL is released */
    if (items == NULL) {
        PyBuffer_Release(&layout);
        return NULL;
    }
    n = PyTuple_GET_SIZE(items);
    for (i = 0; i < n; i++) {
        if (!PyBytes_Check(PyTuple_GET_ITEM(items, i))) {
            PyBuffer_Release(&layout);
            Py_DECREF(items);
            return PyErr_Format(PyExc_TypeError, "record %zd is not bytes", i);
        }
    }
    ncols = (int)layout.len;
    cols = new_columns(&layout);
    PyBuffer_Release(&layout);
    if (cols == NULL) {
        Py_DECREF(items);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (avr_columns_reserve(cols, ncols, (size_t)n))
        rc = A_NOMEM;
    for (i = 0; i < n && rc == A_OK; i++) {
        PyObject *b = PyTuple_GET_ITEM(items, i);
        Reader rec;
        rec.start = rec.p = (const uint8_t *)PyBytes_AS_STRING(b);
        rec.end = rec.p + PyBytes_GET_SIZE(b);
        e.row = i;
        rc = read_record(&rec, cols, ncols, &e);
    }
    Py_END_ALLOW_THREADS
    Py_DECREF(items);
    return finish(cols, ncols, rc, &e, rc ? NULL : PyLong_FromSsize_t(n));
}

/* decode_arrays(buf, pos, layout) -> ((end, lengths), columns): one array per column. */
PyObject *avr_decode_arrays(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer view, layout;
    Py_ssize_t pos;
    Column *cols;
    Err e = {NULL, -1, -1, 0};
    Reader r;
    int rc = A_OK, ncols, i;
    PyObject *lengths, *head;
    if (!PyArg_ParseTuple(args, "y*nO&:decode_arrays", &view, &pos, avr_layout, &layout))
        return NULL;
    ncols = (int)layout.len;
    if ((cols = open_page(&view, pos, &layout, &r)) == NULL)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    for (i = 0; i < ncols && rc == A_OK; i++) {
        int64_t count, k;
        e.column = i;
        for (;;) {
            if ((rc = read_block(&r, &count, &e)) || count == 0)
                break;
            if ((rc = avr_columns_reserve(&cols[i], 1, (size_t)count)))
                break;
            for (k = 0; k < count && rc == A_OK; k++) {
                e.row = cols[i].rows;
                rc = read_value(&r, &cols[i], &e);
            }
            if (rc)
                break;
        }
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (rc)
        return finish(cols, ncols, rc, &e, NULL);
    lengths = PyTuple_New(ncols);
    for (i = 0; lengths && i < ncols; i++)
        PyTuple_SET_ITEM(lengths, i, PyLong_FromSsize_t(cols[i].rows));
    head = lengths ? Py_BuildValue("nN", reader_pos(&r), lengths) : NULL;
    return finish(cols, ncols, rc, &e, head);
}
