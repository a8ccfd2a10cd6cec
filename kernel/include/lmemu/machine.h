/*
 * The lmemu machine: physical and virtual layout and the hypercall ABI.
 *
 * Shared by the guest mini-kernel (C) and the host (C++), so the two can never
 * disagree on where things are. Not a Linux header: it plays the part of the
 * device tree and firmware interface a real kernel would have.
 */
#ifndef LMEMU_MACHINE_H
#define LMEMU_MACHINE_H

/*
 * Physical memory. The page-table pool comes first: it is the only memory
 * the guest may use for page tables, and the host watches every access to
 * it. Ordinary RAM follows; both are covered by the linear map.
 */
#define LMEMU_PHYS_OFFSET	0x40000000UL
#define LMEMU_POOL_SIZE		0x00200000UL	/* 512 page-table frames */
#define LMEMU_RAM_PHYS		(LMEMU_PHYS_OFFSET + LMEMU_POOL_SIZE)
#define LMEMU_RAM_SIZE		0x04000000UL	/* 64 MiB */
#define LMEMU_PHYS_END		(LMEMU_RAM_PHYS + LMEMU_RAM_SIZE)

/* The kernel's pgd (swapper_pg_dir) is the first pool frame. */
#define LMEMU_SWAPPER_PGD_PHYS	LMEMU_PHYS_OFFSET

/* RAM layout: kernel image, then the struct page array, then free frames. */
#define LMEMU_KIMAGE_PHYS	LMEMU_RAM_PHYS
#define LMEMU_KIMAGE_MAX	0x00800000UL
#define LMEMU_MEMMAP_PHYS	(LMEMU_KIMAGE_PHYS + LMEMU_KIMAGE_MAX)
#define LMEMU_STRUCT_PAGE_SIZE	32UL

/*
 * The page-table walker reads tables through this second window onto the
 * pool, so the host can tell walker reads from CPU loads. Never mapped in
 * any page table.
 */
#define LMEMU_WALK_ALIAS	0x100000000UL

/*
 * The user addresses kernel code can access (through TTBR0): from arm64's
 * CONFIG_DEFAULT_MMAP_MIN_ADDR up to the first physical address, since
 * Unicorn needs a region at every address it translates (emu/boot.cpp).
 * User pages may be mapped anywhere below TASK_SIZE.
 */
#define LMEMU_USER_START	0x8000UL
#define LMEMU_USER_END		LMEMU_PHYS_OFFSET

/* Kernel virtual layout (48-bit VA, 4 KiB granule, TTBR1). */
#define LMEMU_PAGE_OFFSET	0xffff000000000000UL
#define LMEMU_KIMAGE_VADDR	0xffff800080000000UL
#define LMEMU_VMALLOC_START	0xffff800100000000UL
#define LMEMU_VMALLOC_SIZE	0x40000000UL	/* 1 GiB */
#define LMEMU_VMALLOC_END	(LMEMU_VMALLOC_START + LMEMU_VMALLOC_SIZE)

/*
 * CPUs and their stacks: CPU n's 16 KiB stack ends LMEMU_STACK_STRIDE * n
 * below the top of the vmalloc area, with an unmapped guard page below it.
 */
#define LMEMU_MAX_CPUS		4

/*
 * Slab objects (linux/slab.h) live one to a page in this window, each page
 * after an unmapped guard page and each object at the end of its page, as
 * KFENCE lays them out: the host maps a page at kmalloc() and unmaps it at
 * kfree() and never reuses it in a run, so any access after the free, or
 * past the end, faults and is reported with the allocation and free stacks.
 */
#define LMEMU_SLAB_START	(LMEMU_VMALLOC_START + 0x30000000UL)
#define LMEMU_SLAB_SIZE		0x01000000UL	/* 2048 objects */
#define LMEMU_STACK_SIZE	0x4000UL
#define LMEMU_STACK_STRIDE	(LMEMU_STACK_SIZE + 0x1000UL)
#define LMEMU_STACK_TOP		LMEMU_VMALLOC_END

/*
 * Kernel threads: at most LMEMU_MAX_TASKS at once, each with a 16 KiB stack
 * (guard page below) in a slot below the CPU stacks. The host maps a slot's
 * stack the first time kthread_create() asks for it (LMEMU_HVC_TASK_STACK),
 * so creating threads adds no page-table stores to the scenario's own.
 */
#define LMEMU_MAX_TASKS		16
#define LMEMU_TASK_STACK_TOP	(LMEMU_STACK_TOP - LMEMU_MAX_CPUS * LMEMU_STACK_STRIDE)

/* Where the host finds a task's name: offsetof(struct task_struct, comm). */
#define LMEMU_TASK_COMM_OFFSET	24
#define LMEMU_TASK_COMM_LEN	16
#define LMEMU_TASK_MM_OFFSET	176	/* task_struct.mm, for the return-to-user check */

#ifndef __ASSEMBLER__
/*
 * With CONFIG_MM_INVARIANTS the kernel defines `lmemu_mm_invariants`, which
 * tells the host where tasks, run queues and mm_struct fields are, and the
 * host checks the mm lifetime invariants at every scheduling point
 * (emu/mm_invariants.cpp). 64-bit fields: the same layout for guest and host.
 */
struct lmemu_mm_invariants {
	unsigned long long task_table, task_slot_used, nr_task_slots, task_size;
	unsigned long long cpu_tasks;			/* LMEMU_MAX_CPUS pointers: each CPU's idle task */
	unsigned long long runqueues, rq_size, rq_prev_mm;
	unsigned long long rq_lazy_mm, rq_drop_mm;	/* HAZARD_PTR's hazard pointer and handed reference */
	unsigned long long task_mm, task_active_mm;	/* offsets in task_struct */
	unsigned long long mm_users, mm_count;		/* offsets in mm_struct */
	unsigned long long init_mm;
	unsigned long long lazy_refcount;		/* MMU_LAZY_TLB_REFCOUNT: active_mm holds an mm_count */
};
#endif
#define LMEMU_MM_PGD_OFFSET	0
#define LMEMU_MM_CONTEXT_ID_OFFSET 8	/* generation | ASID, arch/arm64/mm/context.c */

/*
 * Hypercalls: `hvc #nr`, arguments in x0..x3, result in x0. Only what a real
 * kernel would get from hardware or firmware it does not have here.
 */
#define LMEMU_HVC_EXIT		1	/* scenario finished */
#define LMEMU_HVC_ALLOC_PAGES	2	/* x0 = order, x1 = gfp -> phys or 0 */
#define LMEMU_HVC_FREE_PAGES	3	/* x0 = phys, x1 = order */
#define LMEMU_HVC_ALLOC_PGTABLE	4	/* -> phys of a zeroed pool frame or 0 */
#define LMEMU_HVC_FREE_PGTABLE	5	/* x0 = phys */
#define LMEMU_HVC_PRINTK	6	/* x0 = string VA, x1 = length */
#define LMEMU_HVC_WARN		7	/* x0 = file VA, x1 = line, x2 = cond VA */
#define LMEMU_HVC_BUG		8	/* x0 = file VA, x1 = line, x2 = cond VA */
#define LMEMU_HVC_LAZY_MMU	9	/* x0 = LMEMU_LAZY_* event, x1 = caller's PC */
#define LMEMU_HVC_MIGHT_SLEEP	10	/* a sleeping call was made: x0 = file VA, x1 = line */
#define LMEMU_HVC_SMP_CALL	11	/* x0 = cpu, x1 = func, x2 = info: run func(info) there */
#define LMEMU_HVC_SMP_RETURN	12	/* the function run by SMP_CALL returned */
#define LMEMU_HVC_TASK_STACK	13	/* x0 = task slot -> top of its mapped stack */
#define LMEMU_HVC_TASK_EXIT	14	/* current task exits (do_exit) */
#define LMEMU_HVC_CPU_IDLE	15	/* nothing to run here: wait for an interrupt (wfi) */
#define LMEMU_HVC_SEND_IPI	16	/* x0 = cpu: reschedule IPI, a task was queued there */
#define LMEMU_HVC_IRQ_ACK	17	/* x0 = struct lmemu_irq * to fill: which interrupt */
#define LMEMU_HVC_IRQ_HANDLER	18	/* x0 = 1 before a handler runs, 0 after; x1 = handler */
#define LMEMU_HVC_IRQ_RETURN	19	/* the interrupt was handled; about to return or preempt */
#define LMEMU_HVC_SCHED_SWITCH	20	/* x0 = prev, x1 = next: context_switch() tracepoint */
#define LMEMU_HVC_BOOTED	21	/* this CPU's translation regime is set up (after its SCTLR write) */
#define LMEMU_HVC_SMP_CALL_ASYNC 22	/* x0 = cpu, x1 = func, x2 = info: IPI that runs func(info) there; no wait */
#define LMEMU_HVC_SMP_CALL_CSD	23	/* x0 = cpu, x1 = struct lmemu_csd *: IPI that runs its func(info), then unlocks it */
#define LMEMU_HVC_KMALLOC	24	/* x0 = size, x1 = cache name VA (0: kmalloc) -> object VA or 0 */
#define LMEMU_HVC_KFREE		25	/* x0 = object VA */
#define LMEMU_HVC_KASAN_CHECK	26	/* x0 = VA, x1 = size, x2 = 1 for a write -> 1 if the access is good */
#define LMEMU_HVC_RETURN_TO_USER 27	/* current returns to user space: its mm's root must be loaded */
#define LMEMU_HVC_LOCK_ACQUIRE	28	/* CONFIG_LOCKDEP: x0 = spinlock_t *, before taking it */
#define LMEMU_HVC_LOCK_RELEASE	29	/* CONFIG_LOCKDEP: x0 = spinlock_t *, after releasing it */
#define LMEMU_HVC_RCU_SUSPICIOUS 30	/* CONFIG_PROVE_RCU: x0 = file VA, x1 = line, x2 = message VA */
#define LMEMU_HVC_CPU_OFF	31	/* PSCI CPU_OFF: this CPU powers off (cpu_die()) */
#define LMEMU_HVC_CPU_ON	32	/* PSCI CPU_ON: x0 = cpu, powered off -> starts at secondary_startup */
/*
 * xen-pv: the host plays the hypervisor. An mmu_update (x0 = phys of the
 * entry, x1 = its new value) is made at once (x2 = 0, HYPERVISOR_mmu_update)
 * or queued in this CPU's multicall batch (x2 = 1, xen_extend_mmu_update():
 * a full batch is issued first); MC_FLUSH issues this CPU's batch
 * (xen_mc_flush()). TLB flushes are the guest's TLBIs, queued in the batch
 * while the CPU's xen_lazy_mode is XEN_LAZY_MMU outside interrupts.
 */
#define LMEMU_HVC_XEN_MMU_UPDATE 33
#define LMEMU_HVC_XEN_MC_FLUSH	34

/*
 * ppc64-hash and sparc64 keep their lazy state in per-CPU batches the host
 * reads: these are the offsets in struct ppc64_tlb_batch (`active`, `index`)
 * and struct tlb_batch (`tlb_nr`, `active`), as in Linux.
 */
#define LMEMU_PPC64_TLB_BATCH_ACTIVE	0
#define LMEMU_PPC64_TLB_BATCH_INDEX	8
#define LMEMU_SPARC64_TLB_BATCH_NR	16
#define LMEMU_SPARC64_TLB_BATCH_ACTIVE	24

/*
 * s390 keeps the new values of PTEs in a per-CPU cache in lazy MMU mode
 * (struct ipte_batch, asm/ipte_batch.h): `active` (0 off, 1 lazy MMU mode,
 * 2 being stored), the page table the cache is for, how many entries it
 * holds, and per entry its new value and where it was set (0: none cached).
 */
#define LMEMU_S390_IPTE_BATCH_ACTIVE	0
#define LMEMU_S390_IPTE_BATCH_TABLE	8
#define LMEMU_S390_IPTE_BATCH_NR	16
#define LMEMU_S390_IPTE_BATCH_PTES	32
#define LMEMU_S390_IPTE_BATCH_IPS	(LMEMU_S390_IPTE_BATCH_PTES + 512 * 8)
#define LMEMU_S390_IPTE_BATCH_SIZE	(LMEMU_S390_IPTE_BATCH_IPS + 512 * 8)

/* The host rewrites barriers and TLB invalidations to this at load time. */
#define LMEMU_HVC_REWRITTEN	0xffff

/* Tracepoints of the lazy MMU API, for nesting checks and metrics. */
#define LMEMU_LAZY_ENABLE	1
#define LMEMU_LAZY_DISABLE	2
#define LMEMU_LAZY_FLUSH	3
#define LMEMU_LAZY_PAUSE	4
#define LMEMU_LAZY_RESUME	5

/*
 * Interrupts the host injects (a case's [[inject]]). The host takes an EL1
 * IRQ exception on the CPU (vector el1h_64_irq); handle_arch_irq() asks it
 * which one with LMEMU_HVC_IRQ_ACK, which fills this in.
 */
#define LMEMU_IRQ_NONE		0
#define LMEMU_IRQ_HARD		1	/* run fn() as a hard interrupt handler */
#define LMEMU_IRQ_SOFTIRQ	2	/* raise a softirq that runs fn() */
#define LMEMU_IRQ_PREEMPT	3	/* wake a kernel thread running fn(), preempt */
#define LMEMU_IRQ_CALL		4	/* a function-call IPI: run fn(info), then unlock csd if there is one */
#define LMEMU_IRQ_RESCHED	5	/* the reschedule IPI: scheduler_ipi() */

#ifndef __ASSEMBLER__
struct lmemu_irq {
	unsigned long kind;		/* LMEMU_IRQ_* */
	unsigned long fn;		/* void (*)(void) */
	long migrate_cpu;		/* PREEMPT: resume the preempted task there; -1: stay */
	unsigned long info;		/* CALL: fn's argument */
	unsigned long csd;		/* CALL: the call_single_data to unlock, or 0 */
};

/* How linux/smp.h lays out call_single_data: the host reads func and info. */
struct lmemu_csd {
	unsigned long flags;		/* CSD_FLAG_LOCK, CSD_TYPE_SYNC */
	unsigned long func;
	unsigned long info;
};
#endif

#endif /* LMEMU_MACHINE_H */
