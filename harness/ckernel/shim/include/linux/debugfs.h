/* Shadows the kernel header of this name: no debugfs. */
#define DEFINE_DEBUGFS_ATTRIBUTE(__fops, __get, __set, __fmt) static const int __fops __maybe_unused = 0
static inline struct dentry *debugfs_create_dir(const char *name, struct dentry *parent) { (void)name; (void)parent; return NULL; }
static inline void debugfs_create_ulong(const char *name, umode_t mode, struct dentry *parent, unsigned long *value) { (void)name; (void)mode; (void)parent; (void)value; }
static inline struct dentry *debugfs_create_file(const char *name, umode_t mode, struct dentry *parent, void *data, const void *fops) { (void)name; (void)mode; (void)parent; (void)data; (void)fops; return NULL; }
