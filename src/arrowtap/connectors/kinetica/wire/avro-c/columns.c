/*
 * columns.c -- the column buffers of a page: growth, and their hand-over to Python
 * without a copy, as Chunk objects exposing the buffer protocol (pa.py_buffer wraps
 * them); UTF-8 validation of decoded strings.
 */
#include "avro.h"

int avr_buf_grow(Buf *b, size_t extra)
{
    size_t want = b->len + extra, cap;
    char *np;
    if (want < b->len || b->cap > SIZE_MAX / 2)
        return A_NOMEM;
    /* Doubling keeps growth by small steps linear; a reservation past double (the
       rows of a block, known up front) gets what it asks, no more: the buffer is
       handed over at its length, and the tail a larger one would leave in the heap
       is a hole the next pages do not fill. */
    cap = b->cap * 2 > want ? b->cap * 2 : want;
    if (cap < 256)
        cap = 256;
    np = (char *)realloc(b->p, cap);
    if (np == NULL)
        return A_NOMEM;
    b->p = np;
    b->cap = cap;
    return A_OK;
}

void avr_buf_free(Buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

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

PyTypeObject avr_ChunkType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "arrowtap.connectors.kinetica.wire._avrorows.Chunk",
    .tp_basicsize = sizeof(ChunkObject),
    .tp_dealloc = (destructor)Chunk_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Read-only bytes of one decoded column buffer.",
    .tp_as_buffer = &Chunk_as_buffer,
};

/* Moves the bytes of b into a new Chunk; b is left empty. */
PyObject *avr_hand_over(Buf *b)
{
    ChunkObject *o = PyObject_New(ChunkObject, &avr_ChunkType);
    char *p;
    if (o == NULL)
        return NULL;
    /* give back the unused tail: the page may live long */
    p = (b->len && b->len < b->cap) ? (char *)realloc(b->p, b->len) : b->p;
    o->p = p ? p : b->p;
    o->len = (Py_ssize_t)b->len;
    if (b->len == 0) {
        free(b->p);
        o->p = NULL;
    }
    b->p = NULL;
    b->len = b->cap = 0;
    return (PyObject *)o;
}

int avr_columns_init(Column *cols, const uint8_t *layout, int ncols)
{
    int i;
    memset(cols, 0, sizeof(Column) * (size_t)ncols);
    for (i = 0; i < ncols; i++) {
        cols[i].kind = layout[i] & 0x7f;
        cols[i].nullable = (layout[i] & K_NULLABLE) != 0;
        if (cols[i].kind == K_STRING || cols[i].kind == K_BYTES) {
            int32_t zero = 0;
            if (buf_reserve(&cols[i].offs, 4))
                return A_NOMEM;
            memcpy(cols[i].offs.p, &zero, 4);
            cols[i].offs.len = 4;
        }
    }
    return A_OK;
}

void avr_columns_free(Column *cols, int ncols)
{
    int i;
    for (i = 0; i < ncols; i++) {
        avr_buf_free(&cols[i].valid);
        avr_buf_free(&cols[i].data);
        avr_buf_free(&cols[i].offs);
    }
}

/* Room for `rows` more rows in the row-level buffers (values, offsets, bitmap). */
int avr_columns_reserve(Column *cols, int ncols, size_t rows)
{
    int i;
    for (i = 0; i < ncols; i++) {
        Column *c = &cols[i];
        size_t total = (size_t)c->rows + rows;
        if (rows > (SIZE_MAX >> 4))
            return A_NOMEM;
        if (c->kind == K_STRING || c->kind == K_BYTES) {
            if (buf_reserve(&c->offs, rows * 4))
                return A_NOMEM;
        } else if (buf_reserve(&c->data, rows * kind_width(c->kind))) {
            return A_NOMEM;
        }
        if (c->nullable) {
            size_t need = (total + 7) / 8;
            if (need > c->valid.len) {
                size_t more = need - c->valid.len;
                if (buf_reserve(&c->valid, more))
                    return A_NOMEM;
                memset(c->valid.p + c->valid.len, 0, more);
                c->valid.len = need;
            }
        }
    }
    return A_OK;
}

/* ((null_count, validity or None, values, offsets or None), ...): the buffers handed over. */
PyObject *avr_columns_to_python(Column *cols, int ncols)
{
    PyObject *out = PyTuple_New(ncols);
    int i;
    if (out == NULL)
        return NULL;
    for (i = 0; i < ncols; i++) {
        Column *c = &cols[i];
        PyObject *valid, *data, *offs, *item;
        valid = (c->nullable && c->nulls) ? avr_hand_over(&c->valid) : Py_NewRef(Py_None);
        data = avr_hand_over(&c->data);
        offs = (c->kind == K_STRING || c->kind == K_BYTES) ? avr_hand_over(&c->offs)
                                                          : Py_NewRef(Py_None);
        if (valid == NULL || data == NULL || offs == NULL) {
            Py_XDECREF(valid);
            Py_XDECREF(data);
            Py_XDECREF(offs);
            Py_DECREF(out);
            return NULL;
        }
        item = Py_BuildValue("nNNN", c->nulls, valid, data, offs);
        if (item == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(out, i, item);
    }
    return out;
}

/* Whether s[0:n] is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
int avr_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c;
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        c = s[i];
        if (c < 0x80) {
            i++;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80)
                return 0;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            uint8_t lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
            if (i + 2 >= n || s[i + 1] < lo || s[i + 1] > hi || (s[i + 2] & 0xC0) != 0x80)
                return 0;
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            uint8_t lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
            if (i + 3 >= n || s[i + 1] < lo || s[i + 1] > hi || (s[i + 2] & 0xC0) != 0x80 ||
                (s[i + 3] & 0xC0) != 0x80)
                return 0;
            i += 4;
        } else {
            return 0;
        }
    }
    return 1;
}
