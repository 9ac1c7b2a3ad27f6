/*
 * decoder.h -- the Python side of the decoder (internal): the Decoder object and
 * its page, shared by decoder.c (the type), sample.c (the scan into the page),
 * take.c and buffers.c (handing the page over) and module.c.
 */
#ifndef JV1_DECODER_H
#define JV1_DECODER_H

#include "buf.h"
#include "common.h"
#include "parse.h"

enum { S_START, S_FIRST, S_NEXT, S_ELEM, S_DONE };

typedef struct {
    PyObject_HEAD
    Buf bufs[NBUF];
    Buf scratch;
    MetaCache meta_cache;
    SevCache sev_cache;
    Py_ssize_t rows;
    Py_ssize_t row_cap; /* rows the row-level buffers have room for */
    int state;
    int busy;
    int broken; /* a page was lost to an out-of-memory error */
} DecoderObject;

JV1_HIDDEN_BEGIN
/* decoder.c */
extern PyTypeObject jv1_DecoderType;
int jv1_builder_reset(DecoderObject *d);
int jv1_claim(DecoderObject *d);

/* sample.c: the samples from *pp on into rows, up to max_rows in the page */
int jv1_run(DecoderObject *d, Ctx *c, const uint8_t **pp, Py_ssize_t max_rows);

/* take.c */
PyObject *jv1_decoder_take(DecoderObject *d, PyObject *Py_UNUSED(ignored));

/* buffers.c */
extern PyTypeObject jv1_ChunkType;
PyObject *jv1_hand_over(Buf *b);
JV1_HIDDEN_END

#endif /* JV1_DECODER_H */
