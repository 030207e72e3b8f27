/*
 * The hypervisor's own address space (docs/memory-layout.md), built once at
 * entry, before the core exists, in place of boot/entry32.S's 4 GiB
 * read-write-execute identity map. Two parts:
 *
 * 1. The identity map of physical memory (0-4 GiB, or 0-64 GiB where
 *    entry32.S found 1 GiB pages), for the HAL's physical accesses. All of
 *    it is writable and no-execute, except the hypervisor's image. That is
 *    mapped in 4 KiB pages: .text read-only and executable, .rodata
 *    read-only, .data and .bss writable. The page below the native stack
 *    is left unmapped: a stack overflow faults on it (its #PF runs on an
 *    IST stack, boot/cpu-tables.c) instead of running into the data below.
 *
 * 2. The core's linear memory at CORE_VIRT, far from everything else. Its
 *    physical backing is a run of RAM the memory map has free
 *    (boot/core-placement.c). Only its current size is mapped (4 KiB
 *    pages); the 8 GiB and more after CORE_VIRT stay unmapped. A wasm32
 *    address plus a 32-bit offset reaches at most 2^33 bytes past
 *    CORE_VIRT, so every out-of-bounds access of the core faults there.
 *    That is wasm2c's guard-page mode (WASM_RT_MEMCHECK_SIGNAL_HANDLER=1,
 *    tools/builder/config.ts): the bounds checks on every load and store
 *    move to the MMU. The #PF becomes the same panic as a checked trap
 *    (boot/panic.c).
 *
 * Entry formats: Intel SDM Vol. 3A §5.5 (4-level paging, Tables 5-15 to
 * 5-20); AMD APM Vol. 2 §5.3.
 */
#include <stdint.h>
#include "native.h"
#include "core-placement.h"

#define PTE_P   (1ull << 0)   /* present */
#define PTE_W   (1ull << 1)   /* writable (CR0.WP makes it bind ring 0) */
#define PTE_PS  (1ull << 7)   /* PDE: 2 MiB page; PDPTE: 1 GiB page */
#define PTE_NX  (1ull << 63)  /* execute-disable, with EFER.NXE */
#define PAGE 4096ull
#define MIB2 (2ull << 20)
#define GIB (1ull << 30)

#define IA32_EFER 0xC0000080u
#define EFER_NXE (1u << 11)
#define CPUID81_EDX_NX (1u << 20)   /* CPUID.80000001H:EDX[20] */

/* The image below the core's linear memory fits this many 2 MiB blocks. */
#define IMAGE_BLOCKS 4
/* The core's linear memory: tools/builder/config.ts WASM_MEMORY_SIZE (32 MiB). */
#define CORE_PTS 16

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t identity_pdpt[512] __attribute__((aligned(4096)));
static uint64_t identity_pd[4][512] __attribute__((aligned(4096)));
static uint64_t image_pt[IMAGE_BLOCKS][512] __attribute__((aligned(4096)));
static uint64_t core_pdpt[512] __attribute__((aligned(4096)));
static uint64_t core_pd[512] __attribute__((aligned(4096)));
static uint64_t core_pt[CORE_PTS][512] __attribute__((aligned(4096)));

static uint64_t nx;            /* PTE_NX where the CPU has NX, else 0 */
static uint64_t core_mapped;   /* bytes of linear memory mapped at CORE_VIRT */
uint64_t core_memory_phys;     /* its physical base (boot/core-placement.c) */

extern uint8_t __image_start[], __image_end[], __text_start[], __text_end[], __rodata_end[];
extern uint8_t boot_stack_guard[];
extern uint32_t identity_map_gib;

static uint64_t phys(const void* p) { return (uint64_t)(uintptr_t)p; }

static void cpuid(uint32_t leaf, uint32_t* eax, uint32_t* edx) {
    uint32_t ebx, ecx;
    __asm__ volatile("cpuid" : "=a"(*eax), "=b"(ebx), "=c"(ecx), "=d"(*edx) : "a"(leaf), "c"(0));
}

static void enable_nx(void) {
    uint32_t max, edx, eax;
    cpuid(0x80000000u, &max, &edx);
    if (max < 0x80000001u) return;
    cpuid(0x80000001u, &eax, &edx);
    if (!(edx & CPUID81_EDX_NX)) return;
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(IA32_EFER));
    lo |= EFER_NXE;
    __asm__ volatile("wrmsr" : : "c"(IA32_EFER), "a"(lo), "d"(hi));
    nx = PTE_NX;
}

/* What a 4 KiB page of the image may do. */
static uint64_t image_page(uint64_t a) {
    if (a == phys(boot_stack_guard)) return 0;                       /* not present */
    if (a >= phys(__text_start) && a < phys(__text_end)) return a | PTE_P;   /* read, execute */
    if (a >= phys(__text_end) && a < phys(__rodata_end)) return a | PTE_P | nx; /* read */
    return a | PTE_P | PTE_W | nx;                                     /* read, write */
}

static void map_identity(void) {
    uint64_t image_blocks = (phys(__image_end) + MIB2 - 1) / MIB2;
    if (image_blocks > IMAGE_BLOCKS) {
        panic_puts("\ntsvisor: PANIC: the image outgrows boot/address-space.c's page tables\n");
        halt_forever();
    }
    pml4[0] = phys(identity_pdpt) | PTE_P | PTE_W;
    for (int g = 0; g < 4; g++) {
        identity_pdpt[g] = phys(identity_pd[g]) | PTE_P | PTE_W;
        for (int i = 0; i < 512; i++) {
            uint64_t a = (uint64_t)g * GIB + (uint64_t)i * MIB2;
            identity_pd[g][i] = a | PTE_P | PTE_W | PTE_PS | nx;
        }
    }
    for (uint64_t b = 0; b < image_blocks; b++) {
        for (int i = 0; i < 512; i++) image_pt[b][i] = image_page(b * MIB2 + (uint64_t)i * PAGE);
        identity_pd[0][b] = phys(image_pt[b]) | PTE_P | PTE_W;
    }
    for (uint32_t g = 4; g < identity_map_gib; g++) identity_pdpt[g] = (uint64_t)g * GIB | PTE_P | PTE_W | PTE_PS | nx;
}

/* Map linear memory [core_mapped, bytes) at CORE_VIRT; false if past the tables. */
int core_memory_map(uint64_t bytes) {
    if (bytes > (uint64_t)CORE_PTS * MIB2) return 0;
    for (uint64_t off = core_mapped; off < bytes; off += PAGE) {
        core_pt[off / MIB2][(off % MIB2) / PAGE] = (core_memory_phys + off) | PTE_P | PTE_W | nx;
    }
    if (bytes > core_mapped) core_mapped = bytes;
    return 1;   /* new entries only: no stale translation of them to flush */
}

/* Where the core's linear memory goes. Without Multiboot2 boot information
 * there is no map to read: right after the image, so that the core runs
 * far enough to report the boot protocol it was not given. */
static void place_core(uint32_t magic, uint64_t mbi) {
    struct core_placement_input in = {
        .magic = magic, .mbi = (const uint8_t*)(uintptr_t)mbi, .mbi_phys = mbi,
        .image_start = phys(__image_start), .image_end = phys(__image_end), .bytes = CORE_MEMORY_BYTES,
    };
    core_memory_phys = place_core_memory(&in);
    if (core_memory_phys != 0) return;
    if (magic == 0x36d76289u) {   /* Multiboot2, but no room in its map */
        panic_puts("\ntsvisor: PANIC: the memory map has no 32 MiB of usable RAM below 4 GiB, clear of the image and the modules, for the core's linear memory\n");
        halt_forever();
    }
    core_memory_phys = (phys(__image_end) + MIB2 - 1) & ~(MIB2 - 1);
}

void address_space_init(uint32_t magic, uint64_t mbi) {
    place_core(magic, mbi);
    enable_nx();
    map_identity();
    pml4[CORE_VIRT >> 39] = phys(core_pdpt) | PTE_P | PTE_W;
    core_pdpt[0] = phys(core_pd) | PTE_P | PTE_W;
    for (int i = 0; i < CORE_PTS; i++) core_pd[i] = phys(core_pt[i]) | PTE_P | PTE_W;
    __asm__ volatile("mov %0, %%cr3" : : "r"(phys(pml4)) : "memory");
}

/* A #PF at `address`: the core's guard region, the stack's guard page, or neither. */
int fault_in_core_guard(uint64_t address) {
    return address >= CORE_VIRT + core_mapped && address < CORE_VIRT + CORE_GUARD_BYTES;
}
int fault_in_stack_guard(uint64_t address) {
    return address >= phys(boot_stack_guard) && address < phys(boot_stack_guard) + PAGE;
}
