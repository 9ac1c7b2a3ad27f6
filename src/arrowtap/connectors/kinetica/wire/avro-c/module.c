/*
 * _avrorows -- Kinetica records (Avro binary of a table's record type) <-> Arrow column
 * buffers, a whole page per call and never one Python object per row.
 *
 * A layout is a bytes object with one byte per column: the Avro base type (0 int, 1 long,
 * 2 float, 3 double, 4 string, 5 bytes), or'ed with 0x80 for a nullable column (the
 * union [base, "null"], the only union Kinetica uses).  Decoded columns come back as
 * (null_count, validity, values, offsets) of Chunk buffers laid out as Arrow's, which
 * pa.Array.from_buffers wraps without a copy.  Errors raise ValueError(message, row,
 * column, byte position).
 *
 * The parts (internal header avro.h):
 *   columns.c  column buffers, their hand-over as Chunk objects, UTF-8 validation
 *   decode.c   decode_rows, decode_list, decode_arrays
 *   encode.c   encode_rows
 *   module.c   this file: layouts, errors and the module
 */
#include "avro.h"

/* O& converter: a layout as a buffer of valid column codes. */
int avr_layout(PyObject *obj, Py_buffer *view)
{
    Py_ssize_t i;
    if (PyObject_GetBuffer(obj, view, PyBUF_SIMPLE) < 0)
        return 0;
    if (view->len > 65535) {
        PyBuffer_Release(view);
        PyErr_SetString(PyExc_ValueError, "layout: more than 65535 columns");
        return 0;
    }
    for (i = 0; i < view->len; i++) {
        if ((((const uint8_t *)view->buf)[i] & 0x7f) >= K_NKINDS) {
            PyBuffer_Release(view);
            PyErr_Format(PyExc_ValueError, "layout: unknown column code %d",
                         ((const uint8_t *)view->buf)[i]);
            return 0;
        }
    }
    return 1;
}

PyObject *avr_raise(const Err *e)
{
    PyObject *exc = Py_BuildValue("(snin)", e->msg ? e->msg : "invalid input", e->row, e->column,
                                  e->pos);
    if (exc != NULL) {
        PyErr_SetObject(PyExc_ValueError, exc);
        Py_DECREF(exc);
    }
    return NULL;
}

static PyMethodDef module_methods[] = {
    {"decode_rows", avr_decode_rows, METH_VARARGS,
     "decode_rows(buf, pos, layout) -> ((end, nrows), columns)\n\n"
     "Decode the Avro array<bytes> of records starting at buf[pos]."},
    {"decode_list", avr_decode_list, METH_VARARGS,
     "decode_list(records, layout) -> (nrows, columns)\n\n"
     "Decode a sequence of bytes objects, one record each."},
    {"decode_arrays", avr_decode_arrays, METH_VARARGS,
     "decode_arrays(buf, pos, layout) -> ((end, lengths), columns)\n\n"
     "Decode consecutive Avro arrays, one per column (column-major results)."},
    {"encode_rows", avr_encode_rows, METH_VARARGS,
     "encode_rows(columns, layout, nrows) -> bytes\n\n"
     "Encode rows as an Avro array<bytes> of records; columns are\n"
     "(validity or None, values or None, offsets or None, offset) Arrow buffers."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef avrorows_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "arrowtap.connectors.kinetica.wire._avrorows",
    .m_doc = "Compiled codec of Kinetica records: Avro binary <-> Arrow column buffers.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__avrorows(void)
{
    if (PyType_Ready(&avr_ChunkType) < 0)
        return NULL;
    return PyModule_Create(&avrorows_module);
}
