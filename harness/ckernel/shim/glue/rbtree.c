/* lib/rbtree.c as the kernel has it: iova.c's tree. */
#include "lib/rbtree.c"
