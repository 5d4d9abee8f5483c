/* Shadows the kernel header of this name: shim.h has what the DMA code uses of it. */
