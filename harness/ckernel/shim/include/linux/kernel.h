/* Shadows the kernel header of this name: shim.h has most of what the DMA code uses of it; the log2 and math helpers are the kernel's own. */
#include <linux/log2.h>
#include <linux/math.h>
#include <shim/pr_fmt.h>
