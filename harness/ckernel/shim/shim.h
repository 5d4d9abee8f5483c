/*
 * Force-included into every kernel file the harness builds (gcc -include).
 *
 * The kernel's own headers give the layouts that follow the kernel version
 * (struct iova_domain, struct io_tlb_mem, struct iommu_domain, the rbtree);
 * this header gives what the kernel's heavy headers would give, reduced to
 * what the DMA code uses: integer types, compiler words, bit operations,
 * locks that never contend, per-CPU data for the one CPU the kernel runs on,
 * printk, WARN and BUG, slab and memblock, and the memory the code never
 * dereferences. The headers in include/ next to this file shadow the
 * kernel's heavy ones and are mostly empty.
 *
 * Memory: a kernel virtual address of the linear map (phys_to_virt) and a
 * struct page pointer are made-up addresses that fault if C ever
 * dereferences them; memcpy() and memset() on them go to the simulated
 * machine. Everything the kernel allocates with kmalloc or memblock is host
 * memory, handed back in one go when the next case boots.
 *
 * Written for Linux 6.1 (Debian's 6.1.192); see docs/c-variants.md for what
 * other kernel eras need.
 */
#ifndef SHIM_H
#define SHIM_H

#include <stdarg.h>
#include <stddef.h>

/* ---- Kconfig: an arm64-like 64-bit kernel with an IOMMU and swiotlb ---- */

#define CONFIG_64BIT 1
#define CONFIG_MMU 1
#define CONFIG_SMP 1
#define CONFIG_NR_CPUS 64
#define CONFIG_PHYS_ADDR_T_64BIT 1
#define CONFIG_ARCH_DMA_ADDR_T_64BIT 1
#define CONFIG_HAS_DMA 1
#define CONFIG_HAS_IOMEM 1
#define CONFIG_DMA_OPS 1
#define CONFIG_NEED_SG_DMA_LENGTH 1
#define CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE 1
#define CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU 1
#define CONFIG_IOMMU_API 1
#define CONFIG_IOMMU_SUPPORT 1
#define CONFIG_IOMMU_DMA 1
#define CONFIG_IOMMU_IOVA 1
#define CONFIG_PCI 1
/* CONFIG_SWIOTLB comes from the command line (-DCONFIG_SWIOTLB=1), per build; restricted pools depend on it. */
#ifdef CONFIG_SWIOTLB
#define CONFIG_DMA_RESTRICTED_POOL 1
#endif
/* PAGE_SHIFT comes from the command line too (-DSHIM_PAGE_SHIFT=12 or 16). */

#define IS_BUILTIN(option) __shim_is_defined(option)
#define IS_ENABLED(option) __shim_is_defined(option)
#define IS_REACHABLE(option) __shim_is_defined(option)
#define IS_MODULE(option) 0
#define __shim_arg_placeholder_1 0,
#define __shim_take_second_arg(__ignored, val, ...) val
#define __shim_is_defined(x) ___shim_is_defined(x)
#define ___shim_is_defined(val) ____shim_is_defined(__shim_arg_placeholder_##val)
#define ____shim_is_defined(arg1_or_junk) __shim_take_second_arg(arg1_or_junk 1, 0)

/* ---- integer types ---- */

typedef _Bool bool;
#define true 1
#define false 0

typedef __UINTPTR_TYPE__ uintptr_t;
typedef signed char s8;
typedef unsigned char u8;
typedef short s16;
typedef unsigned short u16;
typedef int s32;
typedef unsigned int u32;
typedef long long s64;
typedef unsigned long long u64;
typedef s8 __s8;
typedef u8 __u8;
typedef s16 __s16;
typedef u16 __u16;
typedef s32 __s32;
typedef u32 __u32;
typedef s64 __s64;
typedef u64 __u64;
typedef u16 __le16;
typedef u32 __le32;
typedef u64 __le64;
typedef u16 __be16;
typedef u32 __be32;
typedef u64 __be64;
typedef long ssize_t;
typedef long long loff_t;
typedef long off_t;
typedef u64 phys_addr_t;
typedef u64 dma_addr_t;
typedef phys_addr_t resource_size_t;
typedef unsigned int gfp_t;
typedef unsigned int slab_flags_t;
typedef unsigned int fmode_t;
typedef int pid_t;
typedef unsigned short umode_t;
typedef unsigned long pgoff_t;
typedef struct { int counter; } atomic_t;
typedef struct { s64 counter; } atomic64_t;
typedef atomic64_t atomic_long_t;
typedef struct { unsigned long val; } swp_entry_t;
typedef u64 pteval_t;
typedef struct { pteval_t pgprot; } pgprot_t;

#include <linux/limits.h>
#define BITS_PER_LONG 64
#define BITS_PER_LONG_LONG 64
#define BITS_PER_BYTE 8

struct list_head {
	struct list_head *next, *prev;
};
struct hlist_head {
	struct hlist_node *first;
};
struct hlist_node {
	struct hlist_node *next, **pprev;
};
struct callback_head {
	struct callback_head *next;
	void (*func)(struct callback_head *head);
};
#define rcu_head callback_head

/* ---- compiler words ---- */

#define __init
#define __initdata
#define __initconst
#define __exit
#define __ref
#define __refdata
#define __read_mostly
#define __ro_after_init
#define __cold
#define __weak __attribute__((weak))
#define __maybe_unused __attribute__((unused))
#define __always_unused __attribute__((unused))
#define __used __attribute__((used))
#define __always_inline inline __attribute__((always_inline))
#define noinline __attribute__((noinline))
#define __noreturn __attribute__((noreturn))
#define __must_check __attribute__((warn_unused_result))
#define __packed __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __malloc
#define __pure __attribute__((pure))
#define __attribute_const__ __attribute__((const))
#define __percpu
#define __rcu
#define __iomem
#define __user
#define __force
#define __bitwise
#define __kernel
#define __safe
#define __nocast
#define __private
#define __must_hold(x)
#define __acquires(x)
#define __releases(x)
#define __cacheline_aligned
#define __cacheline_aligned_in_smp
#define ____cacheline_aligned
#define ____cacheline_aligned_in_smp
#define __section(s) __attribute__((section(s)))
#define __randomize_layout
#define __no_randomize_layout
#define __designated_init
#define __counted_by(m)
#define __nocfi
#define __alloc_size(...)
#define __realloc_size(...)
#define notrace
#define fallthrough __attribute__((__fallthrough__))
#define inline inline
#define asmlinkage
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define barrier() __asm__ __volatile__("" : : : "memory")
#define mb() __sync_synchronize()
#define rmb() __sync_synchronize()
#define wmb() __sync_synchronize()
#define smp_mb() __sync_synchronize()
#define smp_rmb() barrier()
#define smp_wmb() barrier()
#define smp_mb__before_atomic() barrier()
#define smp_mb__after_atomic() barrier()
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val) do { *(volatile __typeof__(x) *)&(x) = (val); } while (0)
#define ACCESS_ONCE(x) READ_ONCE(x)
#define data_race(expr) (expr)
#define __same_type(a, b) __builtin_types_compatible_p(__typeof__(a), __typeof__(b))
#define __must_be_array(a) 0
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))
#define BUILD_BUG_ON(condition) ((void)sizeof(char[1 - 2 * !!(condition)]))
#define BUILD_BUG_ON_ZERO(e) ((int)(sizeof(struct { int:(-!!(e)); })))
#define BUILD_BUG_ON_MSG(cond, msg) BUILD_BUG_ON(cond)
#define BUILD_BUG() do { } while (0)
#define static_assert(expr, ...) _Static_assert(expr, #expr)
#define __stringify_1(x...) #x
#define __stringify(x...) __stringify_1(x)
#define __PASTE(a, b) a##b
#define __UNIQUE_ID(prefix) __PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)
#define __is_constexpr(x) (sizeof(int) == sizeof(*(8 ? ((void *)((long)(x) * 0l)) : (int *)8)))
#define typecheck(type, x) ({ type __dummy; __typeof__(x) __dummy2; (void)(&__dummy == &__dummy2); 1; })
#define offsetofend(TYPE, MEMBER) (offsetof(TYPE, MEMBER) + sizeof(((TYPE *)0)->MEMBER))
#define container_of(ptr, type, member) ({ void *__mptr = (void *)(ptr); ((type *)(__mptr - offsetof(type, member))); })
#define container_of_const(ptr, type, member) container_of(ptr, type, member)
#define struct_size(p, member, count) (sizeof(*(p)) + sizeof(*(p)->member) * (count))
#define array_size(a, b) ((size_t)(a) * (size_t)(b))
#define flex_array_size(p, member, count) (sizeof(*(p)->member) * (count))
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define EXPORT_SYMBOL_NS_GPL(sym, ns)
#define MODULE_LICENSE(x)
#define MODULE_AUTHOR(x)
#define MODULE_DESCRIPTION(x)
#define THIS_MODULE ((struct module *)0)
#define might_sleep() do { } while (0)
#define might_sleep_if(c) do { } while (0)
#define cond_resched() do { } while (0)
#define cpu_relax() do { } while (0)
#define lockdep_assert_held(l) do { } while (0)
#define lockdep_assert_irqs_disabled() do { } while (0)

/* ---- arithmetic ---- */

#define __shim_cmp(x, y, op) ((x) op (y) ? (x) : (y))
#define min(x, y) ({ __typeof__(x) __x = (x); __typeof__(y) __y = (y); __x < __y ? __x : __y; })
#define max(x, y) ({ __typeof__(x) __x = (x); __typeof__(y) __y = (y); __x > __y ? __x : __y; })
#define min3(x, y, z) min((__typeof__(x))min(x, y), z)
#define max3(x, y, z) max((__typeof__(x))max(x, y), z)
#define min_t(type, x, y) ({ type __x = (x); type __y = (y); __x < __y ? __x : __y; })
#define max_t(type, x, y) ({ type __x = (x); type __y = (y); __x > __y ? __x : __y; })
#define min_not_zero(x, y) ({ __typeof__(x) __x = (x); __typeof__(y) __y = (y); __x == 0 ? __y : ((__y == 0) ? __x : min(__x, __y)); })
#define clamp(val, lo, hi) min((__typeof__(val))max(val, lo), hi)
#define clamp_t(type, val, lo, hi) min_t(type, max_t(type, val, lo), hi)
#define swap(a, b) do { __typeof__(a) __tmp = (a); (a) = (b); (b) = __tmp; } while (0)
#define __ALIGN_KERNEL(x, a) __ALIGN_KERNEL_MASK(x, (__typeof__(x))(a) - 1)
#define __ALIGN_KERNEL_MASK(x, mask) (((x) + (mask)) & ~(mask))
#define ALIGN(x, a) __ALIGN_KERNEL((x), (a))
#define ALIGN_DOWN(x, a) __ALIGN_KERNEL((x) - ((a) - 1), (a))
#define __ALIGN_MASK(x, mask) __ALIGN_KERNEL_MASK((x), (mask))
#define PTR_ALIGN(p, a) ((__typeof__(p))ALIGN((unsigned long)(p), (a)))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define BIT(nr) (1UL << (nr))
#define BIT_ULL(nr) (1ULL << (nr))
#define BIT_MASK(nr) (1UL << ((nr) % BITS_PER_LONG))
#define BIT_WORD(nr) ((nr) / BITS_PER_LONG)
#define GENMASK(h, l) (((~0UL) - (1UL << (l)) + 1) & (~0UL >> (BITS_PER_LONG - 1 - (h))))
#define GENMASK_ULL(h, l) (((~0ULL) - (1ULL << (l)) + 1) & (~0ULL >> (BITS_PER_LONG_LONG - 1 - (h))))
#define BITS_TO_LONGS(nr) DIV_ROUND_UP(nr, BITS_PER_LONG)
#define upper_32_bits(n) ((u32)(((n) >> 16) >> 16))
#define lower_32_bits(n) ((u32)((n) & 0xffffffff))
#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define check_sub_overflow(a, b, d) __builtin_sub_overflow(a, b, d)
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)
#define size_add(a, b) ((size_t)(a) + (size_t)(b))
#define size_mul(a, b) ((size_t)(a) * (size_t)(b))

static inline unsigned long __ffs(unsigned long word) { return __builtin_ctzl(word); }
static inline unsigned long __fls(unsigned long word) { return BITS_PER_LONG - 1 - __builtin_clzl(word); }
static inline int fls(unsigned int x) { return x ? 32 - __builtin_clz(x) : 0; }
static inline int ffs(int x) { return __builtin_ffs(x); }
static inline int fls64(u64 x) { return x ? 64 - __builtin_clzll(x) : 0; }
static inline unsigned int fls_long(unsigned long l) { return fls64(l); }
static inline unsigned long ffz(unsigned long word) { return __builtin_ctzl(~word); }
static inline unsigned int hweight32(unsigned int w) { return __builtin_popcount(w); }
static inline unsigned long hweight_long(unsigned long w) { return __builtin_popcountl(w); }

/* ---- pages and the made-up addresses of the linear map ---- */

#ifndef SHIM_PAGE_SHIFT
#error "build with -DSHIM_PAGE_SHIFT=12 (or 14, 16)"
#endif
#define PAGE_SHIFT SHIM_PAGE_SHIFT
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(addr) ALIGN(addr, PAGE_SIZE)
#define PAGE_ALIGNED(addr) IS_ALIGNED((unsigned long)(addr), PAGE_SIZE)
#define offset_in_page(p) ((unsigned long)(p) & ~PAGE_MASK)
#define PFN_ALIGN(x) (((unsigned long)(x) + (PAGE_SIZE - 1)) & PAGE_MASK)
#define PFN_UP(x) (((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PFN_DOWN(x) ((x) >> PAGE_SHIFT)
#define PFN_PHYS(x) ((phys_addr_t)(x) << PAGE_SHIFT)
#define PHYS_PFN(x) ((unsigned long)((x) >> PAGE_SHIFT))
#define MAX_ORDER 11
#define L1_CACHE_SHIFT 6
#define L1_CACHE_BYTES (1 << L1_CACHE_SHIFT)
#define SMP_CACHE_BYTES L1_CACHE_BYTES
#define ARCH_DMA_MINALIGN 128
#define ARCH_KMALLOC_MINALIGN ARCH_DMA_MINALIGN

/*
 * The linear map: kernel virtual address = physical address + this. The
 * value is not a canonical x86-64 (nor arm64) address, so a dereference by
 * C code faults instead of reading host memory.
 */
#define SHIM_LINEAR_BASE 0x4000000000000000UL
/* struct page pointers: this + pfn * sizeof(struct page), equally unusable. */
#define SHIM_PAGE_BASE 0x5000000000000000UL

struct page {
	unsigned long flags;
	unsigned long shim_pad[7];
};

static inline void *phys_to_virt(phys_addr_t address) { return (void *)(uintptr_t)(address + SHIM_LINEAR_BASE); }
static inline phys_addr_t virt_to_phys(volatile void *address) { return (phys_addr_t)(uintptr_t)address - SHIM_LINEAR_BASE; }
#define __va(x) phys_to_virt((phys_addr_t)(x))
#define __pa(x) virt_to_phys((void *)(x))
#define __pa_symbol(x) __pa(x)
static inline struct page *pfn_to_page(unsigned long pfn) { return (struct page *)(SHIM_PAGE_BASE + pfn * sizeof(struct page)); }
static inline unsigned long page_to_pfn(const struct page *page) { return ((uintptr_t)page - SHIM_PAGE_BASE) / sizeof(struct page); }
#define page_to_phys(page) ((phys_addr_t)page_to_pfn(page) << PAGE_SHIFT)
#define phys_to_page(phys) pfn_to_page((phys) >> PAGE_SHIFT)
#define virt_to_page(kaddr) pfn_to_page(__pa(kaddr) >> PAGE_SHIFT)
#define page_address(page) phys_to_virt(page_to_phys(page))
#define lowmem_page_address(page) page_address(page)
#define pfn_valid(pfn) 1
#define PageHighMem(page) 0
#define is_vmalloc_addr(x) 0
#define virt_addr_valid(x) 1
#define is_kdump_kernel() 0
#define nth_page(page, n) ((page) + (n))
#define cache_line_size() L1_CACHE_BYTES
struct vm_area_struct;
struct iommu_ops;
struct of_phandle_args;
struct mm_struct;
struct attribute_group;
struct msi_desc;
struct msi_msg;
struct notifier_block;
struct iommu_fault_event;
struct module;
struct file;
struct seq_file;
struct dentry;

/*
 * The page allocator and friends: declared with the kernel's prototypes.
 * The streaming DMA paths never call them (the shim's link step stubs
 * whatever it does not provide).
 */
static inline int get_order(unsigned long size)
{
	if (size <= PAGE_SIZE)
		return 0;
	return fls64((size - 1) >> PAGE_SHIFT);
}
struct page *alloc_pages(gfp_t gfp, unsigned int order);
struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order);
void __free_pages(struct page *page, unsigned int order);
#define __free_page(page) __free_pages((page), 0)
unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
void free_pages(unsigned long addr, unsigned int order);
void *memremap(resource_size_t offset, size_t size, unsigned long flags);
void memunmap(void *addr);
#define MEMREMAP_WB 1
void memcpy_from_page(char *to, struct page *page, size_t offset, size_t len);
void memcpy_to_page(struct page *page, size_t offset, const char *from, size_t len);
extern unsigned long min_low_pfn;
extern unsigned long max_low_pfn;
extern unsigned long max_pfn;

/* ---- services of the shim (core.c) ---- */

/* The simulated machine's memory, and the host's. */
void *shim_memcpy(void *dst, const void *src, size_t n);
void *shim_memset(void *s, int c, size_t n);
void *shim_memmove(void *dst, const void *src, size_t n);
int shim_memcmp(const void *a, const void *b, size_t n);
size_t shim_strlen(const char *s);
int shim_strcmp(const char *a, const char *b);
int shim_strncmp(const char *a, const char *b, size_t n);
char *shim_strchr(const char *s, int c);
#define memcpy shim_memcpy
#define memset shim_memset
#define memmove shim_memmove
#define memcmp shim_memcmp
#define strlen shim_strlen
#define strcmp shim_strcmp
#define strncmp shim_strncmp
#define strchr shim_strchr
unsigned long simple_strtoul(const char *cp, char **endp, unsigned int base);
int kstrtobool(const char *s, bool *res);
#define isdigit(c) ((c) >= '0' && (c) <= '9')

/* printk: what the kernel prints goes to the machine's log. */
#define KERN_SOH "\001"
#define KERN_EMERG KERN_SOH "0"
#define KERN_ALERT KERN_SOH "1"
#define KERN_CRIT KERN_SOH "2"
#define KERN_ERR KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE KERN_SOH "5"
#define KERN_INFO KERN_SOH "6"
#define KERN_DEBUG KERN_SOH "7"
#define KERN_CONT KERN_SOH "c"
struct device;
__printf(2, 3) int shim_printk(const char *site, const char *fmt, ...);
__printf(3, 4) void shim_dev_printk(const char *site, const struct device *dev, const char *fmt, ...);
__printf(3, 4) void shim_warn(const char *site, const struct device *dev, const char *fmt, ...);
__attribute__((noreturn)) void shim_bug(const char *site, const char *what);
#define printk(fmt, ...) shim_printk(__func__, fmt, ##__VA_ARGS__)
#define pr_emerg(fmt, ...) shim_printk(__func__, KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...) shim_printk(__func__, KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...) shim_printk(__func__, KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) shim_printk(__func__, KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) shim_printk(__func__, KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warning pr_warn
#define pr_notice(fmt, ...) shim_printk(__func__, KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...) shim_printk(__func__, KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...) shim_printk(__func__, KERN_CONT fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) do { } while (0)
#define pr_devel(fmt, ...) do { } while (0)
#define __shim_once(call) ({ static bool __print_once; if (!__print_once) { __print_once = true; call; } })
#define pr_warn_once(fmt, ...) __shim_once(pr_warn(fmt, ##__VA_ARGS__))
#define pr_info_once(fmt, ...) __shim_once(pr_info(fmt, ##__VA_ARGS__))
#define pr_err_once(fmt, ...) __shim_once(pr_err(fmt, ##__VA_ARGS__))
#define pr_notice_once(fmt, ...) __shim_once(pr_notice(fmt, ##__VA_ARGS__))
/* The model's kernel never prints fast enough for the rate limit to drop a line. */
#define pr_warn_ratelimited(fmt, ...) pr_warn(fmt, ##__VA_ARGS__)
#define pr_err_ratelimited(fmt, ...) pr_err(fmt, ##__VA_ARGS__)
#define printk_ratelimit() 1
#define dev_emerg(dev, fmt, ...) shim_dev_printk(__func__, dev, KERN_EMERG fmt, ##__VA_ARGS__)
#define dev_crit(dev, fmt, ...) shim_dev_printk(__func__, dev, KERN_CRIT fmt, ##__VA_ARGS__)
#define dev_err(dev, fmt, ...) shim_dev_printk(__func__, dev, KERN_ERR fmt, ##__VA_ARGS__)
#define dev_warn(dev, fmt, ...) shim_dev_printk(__func__, dev, KERN_WARNING fmt, ##__VA_ARGS__)
#define dev_notice(dev, fmt, ...) shim_dev_printk(__func__, dev, KERN_NOTICE fmt, ##__VA_ARGS__)
#define dev_info(dev, fmt, ...) shim_dev_printk(__func__, dev, KERN_INFO fmt, ##__VA_ARGS__)
#define dev_dbg(dev, fmt, ...) do { } while (0)
#define dev_err_once(dev, fmt, ...) __shim_once(dev_err(dev, fmt, ##__VA_ARGS__))
#define dev_warn_once(dev, fmt, ...) __shim_once(dev_warn(dev, fmt, ##__VA_ARGS__))
#define dev_info_once(dev, fmt, ...) __shim_once(dev_info(dev, fmt, ##__VA_ARGS__))
#define dev_notice_once(dev, fmt, ...) __shim_once(dev_notice(dev, fmt, ##__VA_ARGS__))
#define dev_err_ratelimited dev_err
#define dev_warn_ratelimited dev_warn

/* WARN and BUG: a WARN is logged with its splat and the kernel goes on; a BUG stops the case. */
#define __WARN_printf(...) shim_warn(__func__, NULL, __VA_ARGS__)
#define WARN_ON(condition) ({ int __ret_warn_on = !!(condition); if (unlikely(__ret_warn_on)) shim_warn(__func__, NULL, "WARN_ON(%s)", #condition); unlikely(__ret_warn_on); })
#define WARN(condition, ...) ({ int __ret_warn_on = !!(condition); if (unlikely(__ret_warn_on)) shim_warn(__func__, NULL, __VA_ARGS__); unlikely(__ret_warn_on); })
#define WARN_TAINT(condition, taint, ...) WARN(condition, __VA_ARGS__)
#define __shim_warn_once(condition, call) ({ static bool __warned; int __ret_warn_once = !!(condition); if (unlikely(__ret_warn_once && !__warned)) { __warned = true; call; } unlikely(__ret_warn_once); })
#define WARN_ON_ONCE(condition) __shim_warn_once(condition, shim_warn(__func__, NULL, "WARN_ON_ONCE(%s)", #condition))
#define WARN_ONCE(condition, ...) __shim_warn_once(condition, shim_warn(__func__, NULL, __VA_ARGS__))
#define dev_WARN(dev, ...) shim_warn(__func__, dev, __VA_ARGS__)
#define dev_WARN_ONCE(dev, condition, ...) __shim_warn_once(condition, shim_warn(__func__, dev, __VA_ARGS__))
#define BUG() shim_bug(__func__, "BUG()")
#define BUG_ON(condition) do { if (unlikely(condition)) shim_bug(__func__, "BUG_ON(" #condition ")"); } while (0)
#define VM_BUG_ON(condition) do { } while (0)
#define VM_WARN_ON(condition) ((void)0)
#define VM_WARN_ON_ONCE(condition) ((void)0)

/* ---- errno ---- */

#define EPERM 1
#define ENOENT 2
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define ENOEXEC 8
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define EOVERFLOW 75
#define EOPNOTSUPP 95
#define ENOTSUPP 524
#define EPROBE_DEFER 517
#define EREMOTEIO 121
#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
static inline bool IS_ERR_OR_NULL(const void *ptr) { return !ptr || IS_ERR_VALUE((unsigned long)ptr); }
static inline void *ERR_CAST(const void *ptr) { return (void *)ptr; }
static inline int PTR_ERR_OR_ZERO(const void *ptr) { return IS_ERR(ptr) ? (int)PTR_ERR(ptr) : 0; }

/* ---- lists ---- */

#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)
static inline void INIT_LIST_HEAD(struct list_head *list) { list->next = list; list->prev = list; }
static inline void __list_add(struct list_head *new, struct list_head *prev, struct list_head *next)
{
	next->prev = new;
	new->next = next;
	new->prev = prev;
	prev->next = new;
}
static inline void list_add(struct list_head *new, struct list_head *head) { __list_add(new, head, head->next); }
static inline void list_add_tail(struct list_head *new, struct list_head *head) { __list_add(new, head->prev, head); }
static inline void list_del(struct list_head *entry)
{
	entry->next->prev = entry->prev;
	entry->prev->next = entry->next;
	entry->next = NULL;
	entry->prev = NULL;
}
static inline void list_splice(const struct list_head *list, struct list_head *head)
{
	if (list->next != list) {
		struct list_head *first = list->next, *last = list->prev, *at = head->next;
		first->prev = head;
		head->next = first;
		last->next = at;
		at->prev = last;
	}
}
static inline int list_empty(const struct list_head *head) { return head->next == head; }
static inline int list_is_last(const struct list_head *list, const struct list_head *head) { return list->next == head; }
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_next_entry(pos, member) list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_entry_is_head(pos, head, member) (&pos->member == (head))
#define list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)
#define list_for_each_entry(pos, head, member) \
	for (pos = list_first_entry(head, __typeof__(*pos), member); !list_entry_is_head(pos, head, member); pos = list_next_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member) \
	for (pos = list_first_entry(head, __typeof__(*pos), member), n = list_next_entry(pos, member); \
	     !list_entry_is_head(pos, head, member); pos = n, n = list_next_entry(n, member))
#define hlist_entry(ptr, type, member) container_of(ptr, type, member)
#define hlist_entry_safe(ptr, type, member) ({ __typeof__(ptr) ____ptr = (ptr); ____ptr ? hlist_entry(____ptr, type, member) : NULL; })
void list_sort(void *priv, struct list_head *head, int (*cmp)(void *priv, const struct list_head *a, const struct list_head *b));

/* ---- locks: one CPU, nothing contends ---- */

typedef struct { int locked; } spinlock_t;
typedef struct { int locked; } raw_spinlock_t;
struct mutex { int locked; };
#define __SPIN_LOCK_UNLOCKED(name) { 0 }
#define DEFINE_SPINLOCK(name) spinlock_t name = { 0 }
#define DEFINE_RAW_SPINLOCK(name) raw_spinlock_t name = { 0 }
#define DEFINE_MUTEX(name) struct mutex name = { 0 }
#define spin_lock_init(l) ((l)->locked = 0)
#define raw_spin_lock_init(l) ((l)->locked = 0)
#define mutex_init(m) ((m)->locked = 0)
#define spin_lock(l) ((void)(l))
#define spin_unlock(l) ((void)(l))
#define spin_lock_irq(l) ((void)(l))
#define spin_unlock_irq(l) ((void)(l))
#define spin_lock_irqsave(l, flags) do { (void)(l); (flags) = 0; } while (0)
#define spin_unlock_irqrestore(l, flags) do { (void)(l); (void)(flags); } while (0)
#define raw_spin_lock_irqsave spin_lock_irqsave
#define raw_spin_unlock_irqrestore spin_unlock_irqrestore
#define spin_trylock(l) ((void)(l), 1)
#define assert_spin_locked(l) ((void)(l))
#define mutex_lock(m) ((void)(m))
#define mutex_unlock(m) ((void)(m))
#define local_irq_save(flags) ((flags) = 0)
#define local_irq_restore(flags) ((void)(flags))
#define preempt_disable() do { } while (0)
#define preempt_enable() do { } while (0)
#define rcu_read_lock() do { } while (0)
#define rcu_read_unlock() do { } while (0)
#define rcu_assign_pointer(p, v) WRITE_ONCE(p, v)
#define rcu_dereference(p) READ_ONCE(p)
#define RCU_INIT_POINTER(p, v) ((p) = (v))
#define WRITE_ONCE_RCU WRITE_ONCE

static inline int atomic_read(const atomic_t *v) { return READ_ONCE(v->counter); }
static inline void atomic_set(atomic_t *v, int i) { v->counter = i; }
static inline void atomic_inc(atomic_t *v) { v->counter++; }
static inline void atomic_dec(atomic_t *v) { v->counter--; }
static inline int atomic_inc_return(atomic_t *v) { return ++v->counter; }
static inline int atomic_xchg(atomic_t *v, int new) { int r = v->counter; v->counter = new; return r; }
static inline int atomic_cmpxchg(atomic_t *v, int old, int new) { int r = v->counter; if (r == old) v->counter = new; return r; }
static inline s64 atomic64_read(const atomic64_t *v) { return READ_ONCE(v->counter); }
static inline void atomic64_set(atomic64_t *v, s64 i) { v->counter = i; }
static inline void atomic64_inc(atomic64_t *v) { v->counter++; }
static inline s64 atomic64_inc_return(atomic64_t *v) { return ++v->counter; }
static inline void atomic64_add(s64 i, atomic64_t *v) { v->counter += i; }
static inline void atomic64_sub(s64 i, atomic64_t *v) { v->counter -= i; }
#define atomic_long_read atomic64_read
#define atomic_long_set atomic64_set
#define atomic_long_add atomic64_add
#define atomic_long_sub atomic64_sub

/* ---- CPUs: the kernel runs on the first of num_possible_cpus() ---- */

extern unsigned int shim_nr_cpus;
#define nr_cpu_ids shim_nr_cpus
#define num_possible_cpus() shim_nr_cpus
#define num_online_cpus() shim_nr_cpus
#define raw_smp_processor_id() 0
#define smp_processor_id() 0
#define get_cpu() 0
#define put_cpu() do { } while (0)
#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < shim_nr_cpus; (cpu)++)
#define for_each_online_cpu(cpu) for_each_possible_cpu(cpu)
#define cpu_to_node(cpu) 0
#define NUMA_NO_NODE (-1)
#define dev_to_node(dev) NUMA_NO_NODE

/* Per-CPU data: an array of nr_cpu_ids copies. */
void *shim_alloc_percpu(size_t size, size_t align);
void shim_free_percpu(void *ptr);
#define __alloc_percpu(size, align) shim_alloc_percpu(size, align)
#define alloc_percpu(type) ((type *)shim_alloc_percpu(sizeof(type), __alignof__(type)))
#define alloc_percpu_gfp(type, gfp) alloc_percpu(type)
#define free_percpu(ptr) shim_free_percpu(ptr)
#define per_cpu_ptr(ptr, cpu) ((__typeof__(ptr))((char *)(ptr) + (cpu) * ALIGN(sizeof(*(ptr)), 64)))
#define raw_cpu_ptr(ptr) per_cpu_ptr(ptr, 0)
#define this_cpu_ptr(ptr) per_cpu_ptr(ptr, 0)
#define get_cpu_ptr(ptr) per_cpu_ptr(ptr, 0)
#define put_cpu_ptr(ptr) do { (void)(ptr); } while (0)
#define DEFINE_PER_CPU(type, name) __typeof__(type) name
#define DECLARE_PER_CPU(type, name) extern __typeof__(type) name
#define per_cpu(var, cpu) (var)
#define this_cpu_read(var) (var)

/* CPU hotplug: the one CPU never goes away. */
enum cpuhp_state { CPUHP_INVALID = -1, CPUHP_IOMMU_IOVA_DEAD = 1, CPUHP_AP_ONLINE_DYN = 2 };
static inline int cpuhp_setup_state_multi(enum cpuhp_state state, const char *name, int (*startup)(unsigned int, struct hlist_node *), int (*teardown)(unsigned int, struct hlist_node *)) { (void)state; (void)name; (void)startup; (void)teardown; return 0; }
static inline void cpuhp_remove_multi_state(enum cpuhp_state state) { (void)state; }
static inline int cpuhp_state_add_instance_nocalls(enum cpuhp_state state, struct hlist_node *node) { (void)state; (void)node; return 0; }
static inline int cpuhp_state_remove_instance_nocalls(enum cpuhp_state state, struct hlist_node *node) { (void)state; (void)node; return 0; }

/* Static keys: plain booleans. */
struct static_key_false { bool enabled; };
struct static_key_true { bool enabled; };
#define DEFINE_STATIC_KEY_FALSE(name) struct static_key_false name = { false }
#define DEFINE_STATIC_KEY_TRUE(name) struct static_key_true name = { true }
#define DECLARE_STATIC_KEY_FALSE(name) extern struct static_key_false name
#define static_branch_unlikely(key) unlikely((key)->enabled)
#define static_branch_likely(key) likely((key)->enabled)
#define static_branch_enable(key) ((key)->enabled = true)
#define static_branch_disable(key) ((key)->enabled = false)

/* ---- memory allocation: host memory, given back when the next case boots ---- */

#define ___GFP_DMA 0x01u
#define ___GFP_HIGHMEM 0x02u
#define ___GFP_DMA32 0x04u
#define ___GFP_ZERO 0x100u
#define ___GFP_NOWARN 0x2000u
#define ___GFP_ATOMIC 0x200u
#define ___GFP_HIGH 0x20u
#define ___GFP_IO 0x40u
#define ___GFP_FS 0x80u
#define ___GFP_DIRECT_RECLAIM 0x400u
#define ___GFP_KSWAPD_RECLAIM 0x800u
#define ___GFP_NORETRY 0x10000u
#define ___GFP_NOFAIL 0x8000u
#define __GFP_DMA ___GFP_DMA
#define __GFP_DMA32 ___GFP_DMA32
#define __GFP_HIGHMEM ___GFP_HIGHMEM
#define __GFP_ZERO ___GFP_ZERO
#define __GFP_NOWARN ___GFP_NOWARN
#define __GFP_HIGH ___GFP_HIGH
#define __GFP_ATOMIC ___GFP_ATOMIC
#define __GFP_IO ___GFP_IO
#define __GFP_FS ___GFP_FS
#define __GFP_DIRECT_RECLAIM ___GFP_DIRECT_RECLAIM
#define __GFP_KSWAPD_RECLAIM ___GFP_KSWAPD_RECLAIM
#define __GFP_RECLAIM (___GFP_DIRECT_RECLAIM | ___GFP_KSWAPD_RECLAIM)
#define __GFP_NORETRY ___GFP_NORETRY
#define __GFP_NOFAIL ___GFP_NOFAIL
#define __GFP_COMP 0x40000u
#define __GFP_NOMEMALLOC 0x80000u
#define __GFP_RETRY_MAYFAIL 0x4000u
#define __GFP_ACCOUNT 0x400000u
#define GFP_ATOMIC (__GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL (__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_NOWAIT (__GFP_KSWAPD_RECLAIM)
#define GFP_NOIO (__GFP_RECLAIM)
#define GFP_DMA __GFP_DMA
#define GFP_DMA32 __GFP_DMA32
#define GFP_USER GFP_KERNEL
#define GFP_HIGHUSER GFP_KERNEL
#define GFP_ZONEMASK (__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32)
#define gfpflags_allow_blocking(gfp) (!!((gfp) & __GFP_DIRECT_RECLAIM))

void *shim_kmalloc(size_t size, gfp_t flags);
void shim_kfree(const void *ptr);
#define kmalloc(size, flags) shim_kmalloc(size, flags)
#define kzalloc(size, flags) shim_kmalloc(size, (flags) | __GFP_ZERO)
#define kmalloc_array(n, size, flags) shim_kmalloc(array_size(n, size), flags)
#define kcalloc(n, size, flags) shim_kmalloc(array_size(n, size), (flags) | __GFP_ZERO)
#define kvmalloc(size, flags) kmalloc(size, flags)
#define kvzalloc(size, flags) kzalloc(size, flags)
#define kvcalloc(n, size, flags) kcalloc(n, size, flags)
#define kmalloc_node(size, flags, node) kmalloc(size, flags)
#define kzalloc_node(size, flags, node) kzalloc(size, flags)
#define kfree(ptr) shim_kfree(ptr)
#define kvfree(ptr) shim_kfree(ptr)
#define kfree_rcu(ptr, rhf) shim_kfree(ptr)

struct kmem_cache;
#define SLAB_HWCACHE_ALIGN 0x00002000u
#define SLAB_PANIC 0x00040000u
struct kmem_cache *shim_kmem_cache_create(const char *name, unsigned int size, unsigned int align, slab_flags_t flags, void (*ctor)(void *));
void *shim_kmem_cache_alloc(struct kmem_cache *cache, gfp_t flags);
void shim_kmem_cache_free(struct kmem_cache *cache, void *obj);
#define kmem_cache_create shim_kmem_cache_create
#define kmem_cache_alloc shim_kmem_cache_alloc
#define kmem_cache_zalloc(cache, flags) shim_kmem_cache_alloc(cache, (flags) | __GFP_ZERO)
#define kmem_cache_free shim_kmem_cache_free
#define kmem_cache_destroy(cache) ((void)(cache))

/* memblock: host memory, except the swiotlb pool itself, which is the machine's. */
void *shim_memblock_alloc(phys_addr_t size, phys_addr_t align, const char *what);
#define memblock_alloc(size, align) shim_memblock_alloc(size, align, "memblock_alloc")
#define memblock_alloc_low(size, align) shim_memblock_alloc(size, align, "memblock_alloc_low")
#define memblock_alloc_node(size, align, nid) shim_memblock_alloc(size, align, "memblock_alloc")
#define memblock_free(ptr, size) ((void)(ptr), (void)(size))
#define memblock_free_late(base, size) ((void)(base), (void)(size))

/* Confidential guests: which pages the host and the devices may see. */
int shim_set_memory_decrypted(unsigned long addr, int numpages);
int shim_set_memory_encrypted(unsigned long addr, int numpages);
#define set_memory_decrypted shim_set_memory_decrypted
#define set_memory_encrypted shim_set_memory_encrypted
enum cc_attr {
	CC_ATTR_MEM_ENCRYPT,
	CC_ATTR_HOST_MEM_ENCRYPT,
	CC_ATTR_GUEST_MEM_ENCRYPT,
	CC_ATTR_GUEST_STATE_ENCRYPT,
	CC_ATTR_GUEST_UNROLL_STRING_IO,
	CC_ATTR_GUEST_SEV_SNP,
	CC_ATTR_HOTPLUG_DISABLED,
};
bool cc_platform_has(enum cc_attr attr);
#define mem_encrypt_active() cc_platform_has(CC_ATTR_MEM_ENCRYPT)

/* Boot: early parameters and initcalls, collected so that boot can run them. */
struct shim_param {
	const char *name;
	int (*setup)(char *str);
};
#define early_param(str, fn) \
	static const struct shim_param __PASTE(__shim_param_, fn) __used __section("shim_params") __aligned(sizeof(void *)) = { str, fn }
#define __setup(str, fn) early_param(str, fn)
struct shim_initcall {
	int level;
	int (*fn)(void);
};
#define __shim_initcall(lvl, fn) \
	static const struct shim_initcall __PASTE(__shim_initcall_, fn) __used __section("shim_initcalls") __aligned(sizeof(void *)) = { lvl, fn }
#define core_initcall(fn) __shim_initcall(1, fn)
#define postcore_initcall(fn) __shim_initcall(2, fn)
#define arch_initcall(fn) __shim_initcall(3, fn)
#define subsys_initcall(fn) __shim_initcall(4, fn)
#define fs_initcall(fn) __shim_initcall(5, fn)
#define device_initcall(fn) __shim_initcall(6, fn)
#define late_initcall(fn) __shim_initcall(7, fn)
#define module_init(fn) device_initcall(fn)
#define module_exit(fn)

/* Tracepoints and sanitizer hooks compile to nothing. */
#define trace_swiotlb_bounced(...) do { } while (0)
#define kmsan_unpoison_memory(addr, size) do { } while (0)
#define kmsan_handle_dma(...) do { } while (0)
#define kmsan_check_memory(...) do { } while (0)
#define kasan_check_read(...) do { } while (0)

/*
 * Functions the shim does not provide get a stub at link time that stops
 * the case with "the shim has no <name>" if the kernel ever calls one.
 */
#pragma GCC diagnostic ignored "-Wunused-function"

#endif /* SHIM_H */
