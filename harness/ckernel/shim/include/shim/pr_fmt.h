/* The default pr_fmt, for kernel files that do not define their own before their includes. */
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
