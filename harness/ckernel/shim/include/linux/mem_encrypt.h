/* Shadows the kernel header of this name: no SME bit in addresses (a confidential guest's shared pages are tracked per page by the machine). */
#define __sme_set(x) (x)
#define __sme_clr(x) (x)
#define sme_me_mask 0ULL
