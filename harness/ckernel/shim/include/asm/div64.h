/* Shadows the kernel header of this name: 64-bit division is plain C here. */
#define do_div(n, base) ({ u32 __base = (base); u32 __rem = (n) % __base; (n) = (n) / __base; __rem; })
static inline u64 div_u64(u64 dividend, u32 divisor) { return dividend / divisor; }
static inline u64 div64_u64(u64 dividend, u64 divisor) { return dividend / divisor; }
