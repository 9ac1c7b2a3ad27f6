/*
 * avro.h -- shared by every part of the _avrorows codec (internal): Python first (for its
 * feature macros), result codes, growable buffers, the column of a page, and the inline
 * Avro primitives (zig-zag varints, little-endian floats) that decode.c and encode.c use.
 *
 * Functions one file defines for the others are named avr_* and hidden, so the .so
 * exports PyInit__avrorows only.
 */
#ifndef AVR_AVRO_H
#define AVR_AVRO_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define AVR_HIDDEN_BEGIN _Pragma("GCC visibility push(hidden)")
#define AVR_HIDDEN_END _Pragma("GCC visibility pop")
#else
#define LIKELY(x) (x)
#define UNLIKELY(x) (x)
#define AVR_HIDDEN_BEGIN
#define AVR_HIDDEN_END
#endif

/* Column kinds: the six Avro base types of a Kinetica column; a layout byte is a kind,
 * or'ed with K_NULLABLE for the union [base, "null"] (value branch first). */
enum { K_INT = 0, K_LONG = 1, K_FLOAT = 2, K_DOUBLE = 3, K_STRING = 4, K_BYTES = 5, K_NKINDS };
#define K_NULLABLE 0x80

/* Result codes of the internal functions; an error leaves its message in the Err. */
#define A_OK 0
#define A_ERROR 1
#define A_NOMEM 2

typedef struct {
    const char *msg;    /* static text */
    Py_ssize_t row;     /* row (or array item) being read, -1 if none */
    int column;         /* column index, -1 if none */
    Py_ssize_t pos;     /* byte position in the input */
} Err;

typedef struct {
    char *p;
    size_t len;
    size_t cap;
} Buf;

/* The buffers of one decoded column, laid out as Arrow's: validity bitmap (nullable
 * columns only), values (fixed width, or the bytes of strings), int32 offsets. */
typedef struct {
    int kind;
    int nullable;
    Py_ssize_t rows;
    Py_ssize_t nulls;
    Buf valid;
    Buf data;
    Buf offs;
} Column;

AVR_HIDDEN_BEGIN
int avr_buf_grow(Buf *b, size_t extra);
void avr_buf_free(Buf *b);
PyObject *avr_hand_over(Buf *b);
extern PyTypeObject avr_ChunkType;

int avr_utf8_valid(const uint8_t *s, size_t n);

int avr_columns_init(Column *cols, const uint8_t *layout, int ncols);
void avr_columns_free(Column *cols, int ncols);
PyObject *avr_columns_to_python(Column *cols, int ncols);
int avr_columns_reserve(Column *cols, int ncols, size_t rows);

PyObject *avr_decode_rows(PyObject *self, PyObject *args);
PyObject *avr_decode_list(PyObject *self, PyObject *args);
PyObject *avr_decode_arrays(PyObject *self, PyObject *args);
PyObject *avr_encode_rows(PyObject *self, PyObject *args);
int avr_layout(PyObject *obj, Py_buffer *view);
PyObject *avr_raise(const Err *e);
AVR_HIDDEN_END

static inline int buf_reserve(Buf *b, size_t extra)
{
    return (b->cap - b->len >= extra) ? A_OK : avr_buf_grow(b, extra);
}

static inline size_t kind_width(int kind)
{
    static const size_t widths[K_NKINDS] = {4, 8, 4, 8, 0, 0};
    return widths[kind];
}

/* ---- reading ---- */

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
    const uint8_t *start; /* for positions in errors */
} Reader;

static inline Py_ssize_t reader_pos(const Reader *r)
{
    return (Py_ssize_t)(r->p - r->start);
}

/* A zig-zag varint of at most 10 bytes (an Avro long); 0 on success. */
static inline int read_long(Reader *r, int64_t *out)
{
    const uint8_t *p = r->p;
    uint64_t v = 0;
    int shift = 0;
    if (LIKELY(p < r->end && *p < 0x80)) { /* one byte: the common small value */
        v = *p;
        r->p = p + 1;
        *out = (int64_t)((v >> 1) ^ (0 - (v & 1)));
        return 0;
    }
    for (;;) {
        uint8_t b;
        if (UNLIKELY(p >= r->end))
            return -1;
        b = *p++;
        if (UNLIKELY(shift == 63 && b > 1))
            return -2;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
        shift += 7;
        if (UNLIKELY(shift > 63))
            return -2;
    }
    r->p = p;
    *out = (int64_t)((v >> 1) ^ (0 - (v & 1)));
    return 0;
}

/* ---- writing ---- */

static inline uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline size_t varint_size(uint64_t z)
{
    size_t n = 1;
    while (z >= 0x80) {
        z >>= 7;
        n++;
    }
    return n;
}

static inline uint8_t *put_varint(uint8_t *p, uint64_t z)
{
    while (z >= 0x80) {
        *p++ = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    *p++ = (uint8_t)z;
    return p;
}

#endif /* AVR_AVRO_H */
