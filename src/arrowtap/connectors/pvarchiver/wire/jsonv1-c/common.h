/*
 * common.h -- included first by every part of the _jsonv1 decoder (internal):
 * Python (before the C library, for its feature macros), compiler hints, result codes.
 *
 * Functions that one file defines for the others are named jv1_* and declared
 * between JV1_HIDDEN_BEGIN and JV1_HIDDEN_END: hidden, they are direct calls within
 * the extension and none is exported (the .so exports PyInit__jsonv1 only).  Small
 * hot helpers are static inline in the headers, as the single-file build inlined them.
 */
#ifndef JV1_COMMON_H
#define JV1_COMMON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__APPLE__) || defined(__FreeBSD__)
#include <xlocale.h>
#endif

#if defined(__GLIBC__) || defined(__APPLE__) || defined(__FreeBSD__)
#define HAVE_STRTOD_L 1
#endif

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define PRINTF_LIKE(f, a)
#define LIKELY(x) (x)
#define UNLIKELY(x) (x)
#endif

#if defined(__GNUC__) && !defined(_WIN32) && !defined(__CYGWIN__)
#define JV1_HIDDEN_BEGIN _Pragma("GCC visibility push(hidden)")
#define JV1_HIDDEN_END _Pragma("GCC visibility pop")
#else
#define JV1_HIDDEN_BEGIN
#define JV1_HIDDEN_END
#endif

#define J_OK 0
#define J_INCOMPLETE 1 /* the buffer ends before the value does */
#define J_ERROR 2      /* invalid input; Ctx holds the message */
#define J_NOMEM 3
#define J_END 4 /* obj_* / arr_*: the object or array closed */

#endif /* JV1_COMMON_H */
