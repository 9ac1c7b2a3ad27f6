/*
 * buffers.c -- growth of the column buffers, and their hand-over to Python without a
 * copy, as Chunk objects exposing the buffer protocol.
 */
#include "decoder.h"

int jv1_buf_grow(Buf *b, size_t extra)
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

PyTypeObject jv1_ChunkType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "arrowtap.connectors.pvarchiver.wire._jsonv1.Chunk",
    .tp_basicsize = sizeof(ChunkObject),
    .tp_dealloc = (destructor)Chunk_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Read-only bytes of one decoded column buffer.",
    .tp_as_buffer = &Chunk_as_buffer,
};

/* Moves the bytes of b into a Chunk; b gets fresh, untouched memory of the same size
 * for the next page (so it need not grow again). */
PyObject *jv1_hand_over(Buf *b)
{
    ChunkObject *o = PyObject_New(ChunkObject, &jv1_ChunkType);
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

