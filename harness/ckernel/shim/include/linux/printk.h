#include <shim/pr_fmt.h>
