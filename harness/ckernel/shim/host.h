/*
 * What host.c (compiled against the C library) offers the rest of the shim
 * (compiled against the kernel's headers): plain types only, so that both
 * sides can include it.
 */
#ifndef SHIM_HOST_H
#define SHIM_HOST_H

/* Set up once, when the library is loaded: takes the snapshot of the kernel's statics. */
int host_init(void);
/* Free everything the kernel allocated, and put its statics back as they were at load. */
void host_reset(void);

void *host_alloc(size_t size, size_t align, int zero);
void host_free(const void *ptr);

/* Run fn(ctx); *stopped is set when the kernel stopped (host_stop) instead of returning. */
long long host_call(long long (*fn)(void *ctx), void *ctx, int *stopped);
__attribute__((noreturn)) void host_stop(void);

int host_vformat(char *buf, size_t len, const char *fmt, va_list ap);
int host_format(char *buf, size_t len, const char *fmt, ...);
void host_memcpy(void *dst, const void *src, size_t n);
void host_memmove(void *dst, const void *src, size_t n);
void host_memset(void *s, int c, size_t n);
int host_memcmp(const void *a, const void *b, size_t n);
unsigned long host_strtoul(const char *s, char **end, int base);

#endif
