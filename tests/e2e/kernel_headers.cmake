# Every header a scenario may include by its Linux name compiles on its own,
# and the Linux names the README promises are there.
function(check_compiles file what)
  execute_process(COMMAND clang --target=aarch64-linux-gnu -ffreestanding -nostdinc -mgeneral-regs-only
                          -fsyntax-only -Wall -Werror -I${KERNEL}/include -I${KERNEL}/arch/arm64/include
                          ${file} RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what}:\n${err}")
  endif()
endfunction()

set(headers linux/mm.h linux/gfp.h linux/pgtable.h asm/pgtable.h asm/tlbflush.h asm/barrier.h
            linux/printk.h linux/bug.h linux/sched.h asm/set_memory.h asm/pgalloc.h linux/vmalloc.h
            linux/atomic.h linux/bitops.h linux/kconfig.h linux/build_bug.h linux/pfn.h linux/mutex.h
            linux/spinlock.h asm/cpufeature.h)
foreach(h ${headers})
  file(WRITE ${OUT}/hdr.c "#include <${h}>\n")
  check_compiles(${OUT}/hdr.c "<${h}> does not compile on its own")
endforeach()
file(WRITE ${OUT}/names.c [=[
#include <linux/mm.h>
#include <linux/gfp.h>
#include <linux/pgtable.h>
#include <linux/printk.h>
#include <linux/bug.h>
#include <asm/pgtable.h>
#include <asm/tlbflush.h>
#include <asm/barrier.h>

/* Every name from the "Linux names for scenario authors" list, used as Linux uses it. */
void scenario(void)
{
	unsigned long addr = VMALLOC_START;
	struct page *page = alloc_pages(GFP_KERNEL, 0);
	struct page *other = alloc_pages(GFP_NOWAIT | GFP_ATOMIC, 0);
	pgd_t *pgd = pgd_offset_k(addr);
	p4d_t *p4d = p4d_offset(pgd, addr);
	pud_t *pud = pud_offset(p4d, addr);
	pmd_t *pmd = pmd_offset(pud, addr);
	pte_t *ptep = pte_offset_kernel(pmd, addr);
	pte_t pte = pfn_pte(page_to_pfn(page), PAGE_KERNEL);

	BUG_ON(pte_pfn(pte) != page_to_pfn(virt_to_page(page_address(page))));
	WARN_ON(pte_val(pte) == pte_val(__pte(0)));
	set_pte(ptep, pte);
	pte = ptep_get(ptep);
	pte_clear(&init_mm, addr, ptep);
	flush_tlb_kernel_range(addr, addr + PAGE_SIZE);
	apply_to_page_range(&init_mm, addr, PAGE_SIZE, NULL, NULL);
	set_memory_valid((unsigned long)page_address(other), 1, 1);
	__kernel_map_pages(other, 1, 1);
	clear_page(page_address(page));
	dsb(ishst);
	isb();
	pr_info("%llx\n", pte_val(pte));
	__free_pages(page, 0);
}
]=])
check_compiles(${OUT}/names.c "the Linux names do not all compile")
