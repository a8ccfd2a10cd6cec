/*
 * Copy a page, as Linux's arch/arm64/lib/copy_page.S does (without its
 * prefetching and unrolling): 16 bytes per load and store pair.
 *
 * Parameters:
 *	x0 - dest
 *	x1 - src
 */
#define PAGE_SIZE 4096

	.text
	.globl	copy_page
	.type	copy_page, %function
copy_page:
	mov	x2, #PAGE_SIZE
1:	ldp	x3, x4, [x1], #16
	stp	x3, x4, [x0], #16
	subs	x2, x2, #16
	b.ne	1b
	ret
	.size	copy_page, . - copy_page
