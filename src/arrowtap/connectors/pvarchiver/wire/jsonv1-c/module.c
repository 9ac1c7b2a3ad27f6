/*
 * _jsonv1 -- one-pass decoder of Cassandra PV Archiver "JsonV1" sample arrays
 * (the body of GET .../archive/1/samples/<channel>) into Arrow column buffers.
 *
 * A Decoder keeps the column buffers of one page of rows.  Decoder.parse() consumes
 * as many complete sample objects of a byte buffer as fit in the page, stopping
 * before an object the buffer cuts short, so a body can be fed in chunks of any size.
 * Decoder.take() hands the page over, without copying, as buffer objects laid out as
 * Arrow buffers, and starts the next page.  The scan runs without the GIL.
 *
 * Internal functions return one of the J_* codes; J_ERROR leaves a message, a field
 * name and a byte position in the Ctx.  Every function that reads input checks
 * against the end of the buffer: reaching it inside an object means "incomplete",
 * and the caller rolls the half-parsed row back.
 *
 * Speed comes from the server's habits, never at the cost of generality: member
 * names are first matched as the literal the server writes next ("time": after '{'),
 * and the severity and metaData objects, which the server repeats in every sample,
 * are compared with the previous sample's bytes before being parsed.
 *
 * The parts (internal headers: common.h, buf.h, names.h, parse.h, decoder.h):
 *   names.c    the tables of names and member keys, and their match literals
 *   lex.c      errors, literals, objects, arrays, member names, skipping values
 *   strings.c  strings: scanning, unescaping, UTF-8, names read from a table
 *   numbers.c  numbers: int64 and correctly rounded doubles
 *   meta.c     the repeated metaData and severity objects, with their caches
 *   sample.c   the array of samples, each sample into a row
 *   buffers.c  growth of the column buffers, their hand-over as Chunk objects
 *   decoder.c  the Decoder type and Decoder.parse
 *   take.c     Decoder.take: a page as Arrow array specs
 *   module.c   this file: scan_object_end and the module
 */
#include "decoder.h"

static PyObject *names_tuple(const Name *names, int n)
{
    PyObject *t = PyTuple_New(n);
    int i;
    if (t == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *s = PyUnicode_FromStringAndSize(names[i].s, (Py_ssize_t)names[i].len);
        if (s == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, s);
    }
    return t;
}

static int add_names(PyObject *m, const char *attr, const Name *names, int n)
{
    PyObject *t = names_tuple(names, n);
    int rc = t ? PyModule_AddObjectRef(m, attr, t) : -1;
    Py_XDECREF(t);
    return rc;
}

/* scan_object_end(buf, pos, state) -> (new_pos, new_state, closed)
 *
 * Follows the nesting of the sample object that starts a buffer (state 0 at its '{'),
 * without validating it, to tell cheaply when the rest of a cut-short sample has
 * arrived: only then is it worth parsing again.  Resumable across chunks. */
static PyObject *scan_object_end(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer view;
    Py_ssize_t pos, i;
    long long state, depth;
    int in_str, esc, closed = 0;
    const uint8_t *b;

    if (!PyArg_ParseTuple(args, "y*nL:scan_object_end", &view, &pos, &state))
        return NULL;
    if (pos < 0 || pos > view.len || state < 0) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "pos or state out of range");
        return NULL;
    }
    b = (const uint8_t *)view.buf;
    depth = state >> 2;
    in_str = (int)((state >> 1) & 1);
    esc = (int)(state & 1);
    for (i = pos; i < view.len; i++) {
        uint8_t ch = b[i];
        if (in_str) {
            if (esc)
                esc = 0;
            else if (ch == '\\')
                esc = 1;
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == '{' || ch == '[') {
            depth++;
        } else if (ch == '}' || ch == ']') {
            if (--depth <= 0) {
                closed = 1;
                i++;
                depth = 0;
                break;
            }
        }
    }
    PyBuffer_Release(&view);
    return Py_BuildValue("nLO", i, (depth << 2) | (in_str << 1) | esc,
                         closed ? Py_True : Py_False);
}

static PyMethodDef module_methods[] = {
    {"scan_object_end", scan_object_end, METH_VARARGS,
     "scan_object_end(buf, pos, state) -> (new_pos, new_state, closed)\n\n"
     "Track the nesting of the object starting buf (state 0 at its '{') from pos on;\n"
     "closed tells whether it ended (new_pos is then just past it)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef jsonv1_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "arrowtap.connectors.pvarchiver.wire._jsonv1",
    .m_doc = "Compiled decoder of Cassandra PV Archiver JsonV1 sample arrays.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__jsonv1(void)
{
    PyObject *m;
    jv1_strings_init();
    if (jv1_names_init()) {
        PyErr_SetString(PyExc_SystemError, "_jsonv1: a name is longer than a literal holds");
        return NULL;
    }
    if (jv1_numbers_init()) /* the C locale of strtod_l */
        return PyErr_NoMemory();
    if (PyType_Ready(&jv1_DecoderType) < 0 || PyType_Ready(&jv1_ChunkType) < 0)
        return NULL;
    m = PyModule_Create(&jsonv1_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Decoder", (PyObject *)&jv1_DecoderType) < 0 ||
        add_names(m, "LEVELS", LEVELS, N_LEVELS) < 0 ||
        add_names(m, "QUALITIES", QUALITIES, N_QUALITIES) < 0 ||
        add_names(m, "TYPES", TYPES, N_TYPES) < 0 ||
        add_names(m, "META_TYPES", META_TYPES, N_META_TYPES) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
