/*
 * The hypervisor's IDT: 32 interrupt gates for CPU exceptions, all leading to
 * a panic report. Interrupts stay disabled in the hypervisor (IF=0), so no
 * other vector is ever delivered to it.
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
static struct idt_gate idt[32] __attribute__((aligned(16)));

void idt_install(void) {
    for (int v = 0; v < 32; v++) {
        uint64_t a = exception_stub_table[v];
        idt[v].offset_low = (uint16_t)a;
        idt[v].selector = KERNEL_CS;
        idt[v].ist = 0;
        idt[v].type_attr = GATE_INTERRUPT_PRESENT;
        idt[v].offset_mid = (uint16_t)(a >> 16);
        idt[v].offset_high = (uint32_t)(a >> 32);
        idt[v].reserved = 0;
    }
    struct idt_pointer p = { sizeof(idt) - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(p));
}
