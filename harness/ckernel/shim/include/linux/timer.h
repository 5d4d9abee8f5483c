/* Shadows the kernel header of this name: timers never fire during a case (the flush queue's is not modelled). */
#ifndef SHIM_LINUX_TIMER_H
#define SHIM_LINUX_TIMER_H
struct timer_list {
	void (*function)(struct timer_list *);
	unsigned long expires;
	u32 flags;
};
extern unsigned long volatile jiffies;
#define from_timer(var, callback_timer, timer_fieldname) container_of(callback_timer, __typeof__(*var), timer_fieldname)
void timer_setup(struct timer_list *timer, void (*func)(struct timer_list *), unsigned int flags);
int mod_timer(struct timer_list *timer, unsigned long expires);
int del_timer_sync(struct timer_list *timer);
unsigned long msecs_to_jiffies(const unsigned int m);
#endif
