/*
 * Module-level helpers: where free memory starts (the TypeScript planner owns everything above it) and the
 * memcpy/memset that clang may emit calls to in freestanding builds (lowered to bulk-memory instructions).
 */
#include "weblite.h"

extern unsigned char __heap_base;

/* First byte the planner may use; everything below is the module's data and stack. */
size_t WL_EXPORT(wl_heap_base)(void) { return (size_t)&__heap_base; }

/* ABI version: bump when an exported signature changes, so the loader can refuse a stale binary. */
int32_t WL_EXPORT(wl_abi_version)(void) { return 1; }
