/*
 * The last-resort panic path. It runs only when the core cannot: after a wasm
 * trap (the core's state is no longer trustworthy) or a CPU exception in the
 * hypervisor itself. It writes straight to COM1 by polling, and to COM2, the
 * control channel the run tool takes its verdict from (drivers/host/com1.ts),
 * and halts: nothing runs on after corruption.
 */
#include <stdint.h>
#include "wasm-rt.h"
#include "native.h"

#define COM1 0x3F8
#define COM2 0x2F8
#define LSR_THRE 0x20   /* 16550 line status: transmitter holding register empty */

static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %w1, %b0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void outb(uint16_t port, uint8_t v) {
    __asm__ volatile("outb %b0, %w1" : : "a"(v), "Nd"(port));
}

static void put_on(uint16_t base, char c) {
    for (int spin = 0; spin < 100000 && !(inb(base + 5) & LSR_THRE); spin++) {}
    outb(base, (uint8_t)c);
}

/* The screen, where the core's driver took it (drivers/host/vga-text.ts):
 * the same teletype at the bottom row, so no cursor is shared. */
extern uint64_t panic_screen_phys;
extern uint32_t panic_screen_cols, panic_screen_rows, panic_screen_pitch;
static uint32_t screen_col;

static void screen_put(char c) {
    if (panic_screen_phys == 0 || c == '\r') return;
    volatile uint16_t* base = (volatile uint16_t*)(uintptr_t)panic_screen_phys;
    uint32_t words_per_row = panic_screen_pitch / 2;
    volatile uint16_t* last = base + (panic_screen_rows - 1) * words_per_row;
    if (c == '\n' || screen_col == panic_screen_cols) {
        for (uint32_t i = 0; i < (panic_screen_rows - 1) * words_per_row; i++) base[i] = base[i + words_per_row];
        for (uint32_t i = 0; i < panic_screen_cols; i++) last[i] = 0x0720;   /* blank, light grey on black */
        screen_col = 0;
        if (c == '\n') return;
    }
    last[screen_col++] = (uint16_t)(0x0700 | (uint8_t)c);
}

static void putc_raw(char c) {
    put_on(COM1, c);
    put_on(COM2, c);
    screen_put(c);
}

void panic_puts(const char* s) {
    for (; *s; s++) {
        if (*s == '\n') putc_raw('\r');
        putc_raw(*s);
    }
}

void panic_puthex(uint64_t v) {
    static const char digits[] = "0123456789abcdef";
    char buf[19] = "0x";
    for (int i = 0; i < 16; i++) buf[2 + i] = digits[(v >> (60 - 4 * i)) & 0xF];
    buf[18] = 0;
    panic_puts(buf);
}

static const char* const exception_names[32] = {   /* SDM Vol. 3A Table 6-1 */
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available",
    "#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
    "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
    "#MC machine check", "#XM SIMD exception", "#VE virtualization exception",
    "#CP control protection", "reserved 22", "reserved 23", "reserved 24",
    "reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
    "#VC VMM communication", "#SX security exception", "reserved 31",
};

void exception_panic(uint64_t vector, uint64_t error, uint64_t rip, uint64_t cr2) {
    /* A #PF in the guard region after the core's linear memory is a core
     * access out of bounds (wasm2c's guard-page mode, boot/address-space.c);
     * one on the native stack's guard page, the call stack exhausted: the
     * same reports as the checked traps they replace. */
    if (vector == 14 && fault_in_core_guard(cr2)) wasm_rt_trap(WASM_RT_TRAP_OOB);
    if (vector == 14 && fault_in_stack_guard(cr2)) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
    panic_puts("\ntsvisor: PANIC: CPU exception ");
    panic_puts(vector < 32 ? exception_names[vector] : "?");
    panic_puts(" in the hypervisor: error code ");
    panic_puthex(error);
    panic_puts(", rip ");
    panic_puthex(rip);
    if (vector == 14) {
        panic_puts(", address ");
        panic_puthex(cr2);
    }
    panic_puts("\ntsvisor: machine halted\n");
    halt_forever();
}
