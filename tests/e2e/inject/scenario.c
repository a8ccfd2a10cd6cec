/* A scenario for the injection error tests: task_step() and a handler. */
#include <linux/mm.h>

noinline void task_step(void) { barrier(); }
void handler(void) { }
void scenario(void) { task_step(); }
