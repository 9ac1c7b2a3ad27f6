/*
 * buf.h -- growable byte buffers, and the column buffers of one page (internal).
 */
#ifndef JV1_BUF_H
#define JV1_BUF_H

#include "common.h"

typedef struct {
    char *p;
    size_t len;
    size_t cap;
} Buf;

JV1_HIDDEN_BEGIN
/* Grows b to hold extra more bytes (doubling, from 1 KiB); J_OK or J_NOMEM. */
int jv1_buf_grow(Buf *b, size_t extra);
JV1_HIDDEN_END

static inline int buf_reserve(Buf *b, size_t extra)
{
    return (b->cap - b->len >= extra) ? J_OK : jv1_buf_grow(b, extra);
}

#define DEFINE_PUT(name, T)                                                      \
    static inline int name(Buf *b, T v)                                          \
    {                                                                            \
        if (UNLIKELY(b->cap - b->len < sizeof(T)) && jv1_buf_grow(b, sizeof(T))) \
            return J_NOMEM;                                                      \
        memcpy(b->p + b->len, &v, sizeof(T));                                    \
        b->len += sizeof(T);                                                     \
        return J_OK;                                                             \
    }
/* For the row-level buffers, whose room for the row is reserved beforehand. */
#define PUT_ROW(b, T, v)                          \
    do {                                          \
        T _v = (v);                               \
        memcpy((b)->p + (b)->len, &_v, sizeof(T)); \
        (b)->len += sizeof(T);                    \
    } while (0)

DEFINE_PUT(put_i64, int64_t)
DEFINE_PUT(put_i32, int32_t)
DEFINE_PUT(put_f64, double)
DEFINE_PUT(put_u8, uint8_t)
DEFINE_PUT(put_u16, uint16_t)

/* The column buffers of one page.  Row-level buffers get one entry per committed
 * row; child buffers (string bytes, list elements) grow while a row is parsed and
 * are rolled back with the row. */
enum {
    B_TIME, B_SEV, B_HASVAL, B_STATUS_OFF, B_STATUS, B_QUALITY, B_TYPE,
    B_VD_OFF, B_VD, B_VL_OFF, B_VL, B_VE_OFF, B_VE, B_VS_OFF, B_VS_SOFF, B_VS,
    B_MIN, B_MAX, B_META, B_PREC, B_UNITS_OFF, B_UNITS,
    B_LIM0, B_LIM1, B_LIM2, B_LIM3, B_LIM4, B_LIM5, B_VALID,
    B_ST_OFF, B_ST_SOFF, B_ST,
    NBUF
};

#endif /* JV1_BUF_H */
