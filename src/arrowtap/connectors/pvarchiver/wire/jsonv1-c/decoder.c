/*
 * decoder.c -- the Decoder type: its page of column buffers (made, reset, freed), the
 * guard against concurrent use, Decoder.parse (the scan, jv1_run in sample.c, runs
 * without the GIL), and the rows and state attributes.
 */
#include "decoder.h"

/* The names of the S_* states, for Decoder.state. */
static const char *const STATE_NAMES[] = {"start", "first", "next", "element", "done"};

/* The offset buffers: each page starts them with a 0. */
static const int OFFSET_BUFS[] = {B_STATUS_OFF, B_VD_OFF,    B_VL_OFF,  B_VE_OFF, B_VS_OFF,
                                  B_VS_SOFF,    B_UNITS_OFF, B_ST_OFF, B_ST_SOFF};
#define N_OFFSET_BUFS ((int)(sizeof OFFSET_BUFS / sizeof OFFSET_BUFS[0]))

/* Empties the page (the buffers keep their memory); J_OK or J_NOMEM. */
int jv1_builder_reset(DecoderObject *d)
{
    int i;
    for (i = 0; i < NBUF; i++)
        d->bufs[i].len = 0;
    for (i = 0; i < N_OFFSET_BUFS; i++)
        if (put_i32(&d->bufs[OFFSET_BUFS[i]], 0))
            return J_NOMEM;
    d->rows = 0;
    d->row_cap = 0;
    return J_OK;
}

static PyObject *Decoder_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {NULL};
    DecoderObject *d;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, ":Decoder", kwlist))
        return NULL;
    d = (DecoderObject *)type->tp_alloc(type, 0);
    if (d == NULL)
        return NULL;
    /* tp_alloc zeroes the object: every Buf starts empty */
    d->state = S_START;
    if (jv1_builder_reset(d)) {
        Py_DECREF(d);
        return PyErr_NoMemory();
    }
    return (PyObject *)d;
}

static void Decoder_dealloc(DecoderObject *d)
{
    int i;
    for (i = 0; i < NBUF; i++)
        free(d->bufs[i].p);
    free(d->scratch.p);
    free(d->meta_cache.raw.p);
    free(d->meta_cache.units.p);
    free(d->meta_cache.states.p);
    free(d->meta_cache.state_ends.p);
    Py_TYPE(d)->tp_free((PyObject *)d);
}

int jv1_claim(DecoderObject *d)
{
    if (d->broken) {
        PyErr_SetString(PyExc_RuntimeError, "Decoder lost a page to an out-of-memory error");
        return -1;
    }
    if (d->busy) {
        PyErr_SetString(PyExc_RuntimeError, "Decoder used by two threads at once");
        return -1;
    }
    d->busy = 1;
    return 0;
}

static PyObject *Decoder_parse(DecoderObject *d, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t pos, max_rows, newpos;
    const uint8_t *base, *p;
    Ctx c;
    int rc;

    if (!PyArg_ParseTuple(args, "y*nn:parse", &view, &pos, &max_rows))
        return NULL;
    if (pos < 0 || pos > view.len) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "pos outside the buffer");
        return NULL;
    }
    if (jv1_claim(d)) {
        PyBuffer_Release(&view);
        return NULL;
    }
    base = (const uint8_t *)view.buf;
    p = base + pos;
    memset(&c, 0, sizeof c);
    c.end = base + view.len;
    c.bufs = d->bufs;
    c.scratch = &d->scratch;
    c.meta_cache = &d->meta_cache;
    c.sev_cache = &d->sev_cache;
    /* The view pins the buffer (a bytearray cannot resize while exported). */
    Py_BEGIN_ALLOW_THREADS
    rc = jv1_run(d, &c, &p, max_rows);
    Py_END_ALLOW_THREADS
    d->busy = 0;
    newpos = (Py_ssize_t)(p - base);
    PyBuffer_Release(&view);
    if (rc == J_NOMEM)
        return PyErr_NoMemory();
    if (rc == J_ERROR) {
        return Py_BuildValue("n(szn)", newpos, c.msg, c.field,
                             (Py_ssize_t)(c.errpos - base));
    }
    return Py_BuildValue("nO", newpos, Py_None);
}

/* --------------------------------------------------- handing pages over */
static PyObject *Decoder_get_rows(DecoderObject *d, void *Py_UNUSED(closure))
{
    return PyLong_FromSsize_t(d->rows);
}

static PyObject *Decoder_get_state(DecoderObject *d, void *Py_UNUSED(closure))
{
    return PyUnicode_FromString(STATE_NAMES[d->state]);
}

static PyMethodDef Decoder_methods[] = {
    {"parse", (PyCFunction)Decoder_parse, METH_VARARGS,
     "parse(buf, pos, max_rows) -> (new_pos, error)\n\n"
     "Decode the complete samples of buf[pos:] until the page holds max_rows rows.\n"
     "Stops before a sample the buffer cuts short. error is None or\n"
     "(message, field or None, byte position in buf); rows before it are kept."},
    {"take", (PyCFunction)jv1_decoder_take, METH_NOARGS,
     "take() -> (rows, columns)\n\n"
     "Hand the page over as Arrow buffers (one (length, null_count, buffers, child)\n"
     "per column of SAMPLE_SCHEMA after 'channel') and start an empty page."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef Decoder_getset[] = {
    {"rows", (getter)Decoder_get_rows, NULL, "Rows in the current page.", NULL},
    {"state", (getter)Decoder_get_state, NULL,
     "Where in the array the decoder is: start, first, next, element or done.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

PyTypeObject jv1_DecoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "arrowtap.connectors.pvarchiver.wire._jsonv1.Decoder",
    .tp_basicsize = sizeof(DecoderObject),
    .tp_dealloc = (destructor)Decoder_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Decoder() -> incremental decoder of one JsonV1 samples body into pages.",
    .tp_methods = Decoder_methods,
    .tp_getset = Decoder_getset,
    .tp_new = Decoder_new,
};
