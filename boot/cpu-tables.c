/*
 * The hypervisor's descriptor tables beyond the boot GDT: a 64-bit TSS (VM
 * entry requires a non-null host TR, Intel SDM Vol. 3C §26.2.3) and the IDT:
 * 32 interrupt gates for CPU exceptions, all leading to a panic report, and
 * the two vectors of the hypervisor's own local APIC (boot/host-irq.S): its
 * timer and its spurious vector. Interrupts stay disabled in the hypervisor
 * (IF=0) except inside the HAL's host_halt_with_interrupts and
 * host_take_interrupts, so no other vector is ever delivered to it.
 */
#include <stdint.h>
#include "native.h"

struct idt_gate {                 /* SDM Vol. 3A §6.14.1, Figure 6-8 */
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

struct idt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define KERNEL_CS 0x08            /* boot/entry32.S GDT */
#define GATE_INTERRUPT_PRESENT 0x8E /* P=1, DPL=0, type 0xE (64-bit interrupt gate) */

extern const uint64_t exception_stub_table[32];
extern const uint8_t host_timer_entry[], host_spurious_entry[];
/* kernel/hal/imports.ts HOST_TIMER_VECTOR and HOST_SPURIOUS_VECTOR. */
#define HOST_TIMER_VECTOR 0xEF
#define HOST_SPURIOUS_VECTOR 0xFF
static struct idt_gate idt[256] __attribute__((aligned(16)));

static void set_gate(int v, uint64_t a) {
    idt[v].offset_low = (uint16_t)a;
    idt[v].selector = KERNEL_CS;
    idt[v].ist = 0;  /* no stack switch: the interrupted stack */
    idt[v].type_attr = GATE_INTERRUPT_PRESENT;
    idt[v].offset_mid = (uint16_t)(a >> 16);
    idt[v].offset_high = (uint32_t)(a >> 32);
    idt[v].reserved = 0;
}

/* 64-bit TSS (SDM Vol. 3A §8.7, Figure 8-11): VM entry needs one, and its
 * IST1 is the stack #PF and #DF run on (SDM Vol. 3A §7.14.5), so that a
 * fault on the native stack's guard page (boot/address-space.c) still has
 * a stack to report from. */
static struct {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed, aligned(16))) tss = { .iomap_base = 104 /* no I/O bitmap */ };

extern uint64_t gdt64[];
#define TSS_SELECTOR 0x18         /* boot/entry32.S reserves GDT slots 3-4 for it */
#define TSS_AVAILABLE_64 0x89     /* P=1, DPL=0, type 9 (available 64-bit TSS) */

static void tss_install(void) {
    uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
    /* System-segment descriptor, 16 bytes (SDM Vol. 3A §8.2.3, Figure 8-4). */
    gdt64[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | ((uint64_t)TSS_AVAILABLE_64 << 40) |
               (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    gdt64[4] = base >> 32;
    __asm__ volatile("ltr %w0" : : "r"((uint16_t)TSS_SELECTOR));
}

/* IST1: 16 KiB for the panic path of #PF and #DF, nothing else. */
static uint8_t fault_stack[16384] __attribute__((aligned(16)));
#define IST_FAULT 1
#define VECTOR_DF 8
#define VECTOR_PF 14

void idt_install(void) {
    tss.ist[IST_FAULT - 1] = (uint64_t)(fault_stack + sizeof fault_stack);
    tss_install();
    for (int v = 0; v < 32; v++) set_gate(v, exception_stub_table[v]);
    idt[VECTOR_DF].ist = IST_FAULT;
    idt[VECTOR_PF].ist = IST_FAULT;
    set_gate(HOST_TIMER_VECTOR, (uint64_t)host_timer_entry);
    set_gate(HOST_SPURIOUS_VECTOR, (uint64_t)host_spurious_entry);
    struct idt_pointer p = { sizeof(idt) - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(p));
}
