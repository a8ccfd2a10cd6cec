/* Follows Linux include/linux/instruction_pointer.h (_RET_IP_ only). */
#ifndef _LINUX_INSTRUCTION_POINTER_H
#define _LINUX_INSTRUCTION_POINTER_H

#define _RET_IP_	(unsigned long)__builtin_return_address(0)

#endif
