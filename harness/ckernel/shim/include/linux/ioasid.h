/* Shadows the kernel header of this name: PASIDs are not modelled. */
typedef unsigned int ioasid_t;
#define INVALID_IOASID ((ioasid_t)-1)
