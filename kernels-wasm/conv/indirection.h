/*
 * Reading an indirection buffer (conv-indirection.c): entries equal to `zero` mark padding taps and are never
 * offset; every other entry is advanced by `a_offset` bytes (batch image, group channel offset).
 */
#ifndef WL_INDIRECTION_H
#define WL_INDIRECTION_H

#include <stdint.h>

#include "weblite.h"

WL_INLINE const float* wl_offset_input(const float* a, size_t a_offset, const float* zero) {
  return a == zero ? zero : (const float*)((uintptr_t)a + a_offset);
}

#endif
