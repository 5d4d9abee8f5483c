/*
 * The host side of the shim, compiled against the C library rather than
 * the kernel's headers: host memory for kmalloc and memblock, given back in
 * one go when the next case boots; printf formatting; the jump out of a
 * kernel that hit BUG(); and the kernel's statics put back as they were
 * when the library was loaded, so that every case boots a fresh kernel.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "host.h"

/* An allocation the kernel made: on a list, so that a reset frees it. */
struct host_block {
	struct host_block *next, *prev;
	size_t size;
	/* Keeps what follows aligned for any kernel structure. */
	long double align[0];
};

/* A writable piece of the library, as it was after loading. */
struct host_segment {
	char *start;
	size_t size;
	char *copy;
};

/*
 * What outlives a reset lives on the heap, reached through a pointer that
 * is set before the snapshot is taken (so restoring the snapshot keeps it).
 */
struct host_state {
	struct host_block blocks;
	struct host_segment segments[8];
	int nsegments;
	jmp_buf stop;
	int calling;
};

static struct host_state *hs;

static int find_segments(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	uintptr_t self = (uintptr_t)&find_segments;
	int mine = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && self >= start && self < start + ph->p_memsz)
			mine = 1;
	}
	if (!mine)
		return 0;
	uintptr_t relro_start = 0, relro_end = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_GNU_RELRO) {
			relro_start = info->dlpi_addr + ph->p_vaddr;
			relro_end = relro_start + ph->p_memsz;
		}
	}
	for (int i = 0; i < info->dlpi_phnum && hs->nsegments < 8; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
			continue;
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		uintptr_t end = start + ph->p_memsz;
		/* RELRO is read-only once the library is relocated: leave it be. */
		if (relro_end > start && relro_start < end) {
			if (relro_end >= end)
				continue;
			start = relro_end;
		}
		struct host_segment *seg = &hs->segments[hs->nsegments++];
		seg->start = (char *)start;
		seg->size = end - start;
		seg->copy = malloc(seg->size);
		memcpy(seg->copy, seg->start, seg->size);
	}
	return 1;
}

int host_init(void)
{
	if (hs != NULL)
		return 0;
	hs = calloc(1, sizeof(*hs));
	if (hs == NULL)
		return -1;
	hs->blocks.next = hs->blocks.prev = &hs->blocks;
	dl_iterate_phdr(find_segments, NULL);
	return hs->nsegments > 0 ? 0 : -1;
}

void host_reset(void)
{
	struct host_block *b = hs->blocks.next;
	while (b != &hs->blocks) {
		struct host_block *next = b->next;
		free(b);
		b = next;
	}
	hs->blocks.next = hs->blocks.prev = &hs->blocks;
	for (int i = 0; i < hs->nsegments; i++)
		memcpy(hs->segments[i].start, hs->segments[i].copy, hs->segments[i].size);
}

void *host_alloc(size_t size, size_t align, int zero)
{
	(void)align;
	struct host_block *b;
	if (posix_memalign((void **)&b, 64, sizeof(*b) + size) != 0)
		return NULL;
	if (zero)
		memset(b + 1, 0, size);
	b->size = size;
	b->next = &hs->blocks;
	b->prev = hs->blocks.prev;
	hs->blocks.prev->next = b;
	hs->blocks.prev = b;
	return b + 1;
}

void host_free(const void *ptr)
{
	if (ptr == NULL)
		return;
	struct host_block *b = (struct host_block *)ptr - 1;
	b->prev->next = b->next;
	b->next->prev = b->prev;
	free(b);
}

long long host_call(long long (*fn)(void *ctx), void *ctx, int *stopped)
{
	*stopped = 0;
	hs->calling = 1;
	if (setjmp(hs->stop)) {
		hs->calling = 0;
		*stopped = 1;
		return 0;
	}
	long long ret = fn(ctx);
	hs->calling = 0;
	return ret;
}

void host_stop(void)
{
	if (hs->calling)
		longjmp(hs->stop, 1);
	/* Outside a call into the kernel nothing can be unwound. */
	abort();
}

/*
 * printf with the kernel's %pa (a phys_addr_t or dma_addr_t passed by
 * reference, printed as 0x and 16 hex digits) and with the other %p
 * extensions printed as plain pointers; everything else is C's.
 */
int host_vformat(char *buf, size_t len, const char *fmt, va_list ap)
{
	size_t out = 0;
	char spec[32];
	char piece[128];
#define PUT(s, n) do { size_t __n = (n); if (out + __n >= len) __n = out < len - 1 ? len - 1 - out : 0; memcpy(buf + out, (s), __n); out += __n; } while (0)
	for (const char *p = fmt; *p; ) {
		if (*p != '%') {
			const char *q = strchr(p, '%');
			size_t n = q ? (size_t)(q - p) : strlen(p);
			PUT(p, n);
			p += n;
			continue;
		}
		if (p[1] == '%') {
			PUT("%", 1);
			p += 2;
			continue;
		}
		/* One conversion: flags, width, precision, length, type. */
		const char *start = p++;
		while (*p && strchr("-+ #0", *p))
			p++;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		int longs = 0, sz = 0, half = 0;
		for (;;) {
			if (*p == 'l') longs++;
			else if (*p == 'z' || *p == 't' || *p == 'j') sz = 1;
			else if (*p == 'h') half++;
			else break;
			p++;
		}
		char type = *p ? *p++ : 0;
		size_t n = (size_t)(p - start);
		if (n >= sizeof(spec))
			n = sizeof(spec) - 1;
		memcpy(spec, start, n);
		spec[n] = 0;
		int w = 0;
		switch (type) {
		case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
			if (longs >= 2) w = snprintf(piece, sizeof(piece), spec, va_arg(ap, long long));
			else if (longs == 1 || sz) w = snprintf(piece, sizeof(piece), spec, va_arg(ap, long));
			else w = snprintf(piece, sizeof(piece), spec, va_arg(ap, int));
			(void)half;
			break;
		case 'c':
			w = snprintf(piece, sizeof(piece), spec, va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			w = snprintf(piece, sizeof(piece), spec, s ? s : "(null)");
			break;
		}
		case 'p': {
			void *ptr = va_arg(ap, void *);
			if (*p == 'a') {
				p++;
				if (*p == 'd' || *p == 'p')
					p++;
				w = snprintf(piece, sizeof(piece), "0x%016llx", ptr ? (unsigned long long)*(uint64_t *)ptr : 0ULL);
			} else {
				while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
					p++;
				w = snprintf(piece, sizeof(piece), "%p", ptr);
			}
			break;
		}
		default:
			w = snprintf(piece, sizeof(piece), "%s", spec);
			break;
		}
		if (w > 0)
			PUT(piece, (size_t)w < sizeof(piece) ? (size_t)w : sizeof(piece) - 1);
	}
	buf[out < len ? out : len - 1] = 0;
#undef PUT
	return (int)out;
}

int host_format(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = host_vformat(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

void host_memcpy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}

void host_memmove(void *dst, const void *src, size_t n)
{
	memmove(dst, src, n);
}

void host_memset(void *s, int c, size_t n)
{
	memset(s, c, n);
}

int host_memcmp(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n);
}

unsigned long host_strtoul(const char *s, char **end, int base)
{
	return strtoul(s, end, base);
}
