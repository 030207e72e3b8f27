/*
 * Native implementation of the core's HAL imports (kernel/hal/imports.ts).
 * Each is one instruction or a checked copy; no decisions live here.
 * Prototypes come from the wasm2c-generated core.h, so a mismatch with the
 * AssemblyScript declarations is a compile error.
 */
#include "core.h"
#include "native.h"

extern Z_core_instance_t tsvisor_core;

/* boot/entry32.S maps the low 4 GiB, or 64 GiB where the CPU has 1 GiB pages. */
extern uint32_t identity_map_gib;
#define IDENTITY_MAP_END ((u64)identity_map_gib << 30)

/* A pointer from the core must lie inside its own linear memory; anything else is a core bug. */
static void check_linear(u32 ptr, u32 len) {
    if ((uint64_t)ptr + len > tsvisor_core.w2c_memory.size) wasm_rt_trap(WASM_RT_TRAP_OOB);
}

static void check_physical(u64 phys, u64 len) {
    if (len > IDENTITY_MAP_END || phys > IDENTITY_MAP_END - len) {
        panic_puts("\ntsvisor: PANIC: the core asked for physical memory outside the identity map at ");
        panic_puthex(phys);
        panic_puts("\ntsvisor: machine halted\n");
        halt_forever();
    }
}

u32 Z_halZ_inb(struct Z_hal_instance_t* h, u32 port) {
    (void)h; uint8_t v;
    __asm__ volatile("inb %w1, %b0" : "=a"(v) : "Nd"((uint16_t)port));
    return v;
}
u32 Z_halZ_inw(struct Z_hal_instance_t* h, u32 port) {
    (void)h; uint16_t v;
    __asm__ volatile("inw %w1, %w0" : "=a"(v) : "Nd"((uint16_t)port));
    return v;
}
u32 Z_halZ_inl(struct Z_hal_instance_t* h, u32 port) {
    (void)h; uint32_t v;
    __asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"((uint16_t)port));
    return v;
}
void Z_halZ_outb(struct Z_hal_instance_t* h, u32 port, u32 v) {
    (void)h; __asm__ volatile("outb %b0, %w1" : : "a"((uint8_t)v), "Nd"((uint16_t)port));
}
void Z_halZ_outw(struct Z_hal_instance_t* h, u32 port, u32 v) {
    (void)h; __asm__ volatile("outw %w0, %w1" : : "a"((uint16_t)v), "Nd"((uint16_t)port));
}
void Z_halZ_outl(struct Z_hal_instance_t* h, u32 port, u32 v) {
    (void)h; __asm__ volatile("outl %0, %w1" : : "a"(v), "Nd"((uint16_t)port));
}

u64 Z_halZ_rdmsr(struct Z_hal_instance_t* h, u32 msr) {
    (void)h; uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((u64)hi << 32) | lo;
}
void Z_halZ_wrmsr(struct Z_hal_instance_t* h, u32 msr, u64 v) {
    (void)h; __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void Z_halZ_cpuid(struct Z_hal_instance_t* h, u32 leaf, u32 subleaf, u32 out) {
    (void)h; uint32_t r[4];
    check_linear(out, sizeof r);
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(subleaf));
    memcpy(tsvisor_core.w2c_memory.data + out, r, sizeof r);
}

u64 Z_halZ_readCr(struct Z_hal_instance_t* h, u32 n) {
    (void)h; u64 v = 0;
    switch (n) {
    case 0: __asm__ volatile("mov %%cr0, %0" : "=r"(v)); break;
    case 2: __asm__ volatile("mov %%cr2, %0" : "=r"(v)); break;
    case 3: __asm__ volatile("mov %%cr3, %0" : "=r"(v)); break;
    case 4: __asm__ volatile("mov %%cr4, %0" : "=r"(v)); break;
    case 8: __asm__ volatile("mov %%cr8, %0" : "=r"(v)); break;
    default: wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);
    }
    return v;
}
void Z_halZ_writeCr(struct Z_hal_instance_t* h, u32 n, u64 v) {
    (void)h;
    switch (n) {
    case 0: __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); break;
    case 2: __asm__ volatile("mov %0, %%cr2" : : "r"(v)); break;
    case 3: __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); break;
    case 4: __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); break;
    case 8: __asm__ volatile("mov %0, %%cr8" : : "r"(v) : "memory"); break;
    default: wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);
    }
}

u64 Z_halZ_rdtsc(struct Z_hal_instance_t* h) {
    (void)h; uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((u64)hi << 32) | lo;
}

void Z_halZ_physRead(struct Z_hal_instance_t* h, u32 dst, u64 phys, u32 len) {
    (void)h;
    check_linear(dst, len);
    check_physical(phys, len);
    memcpy(tsvisor_core.w2c_memory.data + dst, (const void*)(uintptr_t)phys, len);
}
void Z_halZ_physWrite(struct Z_hal_instance_t* h, u64 phys, u32 src, u32 len) {
    (void)h;
    check_linear(src, len);
    check_physical(phys, len);
    memcpy((void*)(uintptr_t)phys, tsvisor_core.w2c_memory.data + src, len);
}

/* REP STOSQ (SDM Vol. 2B STOS) for whole quadwords, bytes for the rest. */
void Z_halZ_physClear(struct Z_hal_instance_t* h, u64 phys, u64 len) {
    (void)h;
    check_physical(phys, len);
    u64 quads = len / 8;
    void* d = (void*)(uintptr_t)phys;
    __asm__ volatile("cld; rep stosq" : "+D"(d), "+c"(quads) : "a"(0ull) : "memory", "cc");
    memset(d, 0, len & 7);
}

void Z_halZ_physCopy(struct Z_hal_instance_t* h, u64 dst, u64 src, u64 len) {
    (void)h;
    check_physical(src, len);
    check_physical(dst, len);
    u64 quads = len / 8;
    void* d = (void*)(uintptr_t)dst;
    const void* s = (const void*)(uintptr_t)src;
    __asm__ volatile("cld; rep movsq" : "+D"(d), "+S"(s), "+c"(quads) : : "memory", "cc");
    memcpy(d, s, len & 7);
}

/* RDRAND/RDSEED set CF when the value is valid (SDM Vol. 2B). */
u32 Z_halZ_rdrand64(struct Z_hal_instance_t* h, u32 out) {
    (void)h; u64 v; uint8_t ok;
    check_linear(out, 8);
    __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok) : : "cc");
    memcpy(tsvisor_core.w2c_memory.data + out, &v, 8);
    return ok;
}
u32 Z_halZ_rdseed64(struct Z_hal_instance_t* h, u32 out) {
    (void)h; u64 v; uint8_t ok;
    check_linear(out, 8);
    __asm__ volatile("rdseed %0; setc %1" : "=r"(v), "=qm"(ok) : : "cc");
    memcpy(tsvisor_core.w2c_memory.data + out, &v, 8);
    return ok;
}

u64 Z_halZ_identityMapEnd(struct Z_hal_instance_t* h) { (void)h; return IDENTITY_MAP_END; }

void Z_halZ_halt(struct Z_hal_instance_t* h) {
    (void)h; __asm__ volatile("hlt");
}

uint64_t host_halt_with_interrupts(void);
uint64_t host_take_interrupts(void);
u64 Z_halZ_haltWithInterrupts(struct Z_hal_instance_t* h) { (void)h; return host_halt_with_interrupts(); }
u64 Z_halZ_takeInterrupts(struct Z_hal_instance_t* h) { (void)h; return host_take_interrupts(); }

/* Device registers want one access of their width, not memcpy's bytes. */
u32 Z_halZ_mmioRead32(struct Z_hal_instance_t* h, u64 phys) {
    (void)h;
    check_physical(phys, 4);
    return *(volatile uint32_t*)(uintptr_t)phys;
}
void Z_halZ_mmioWrite32(struct Z_hal_instance_t* h, u64 phys, u32 v) {
    (void)h;
    check_physical(phys, 4);
    *(volatile uint32_t*)(uintptr_t)phys = v;
}

int xsetbv_safe(uint32_t index, uint64_t value);

u32 Z_halZ_xsetbv(struct Z_hal_instance_t* h, u32 index, u64 v) {
    (void)h;
    return xsetbv_safe(index, v) == 0 ? 0 : 1;
}

int rdmsr_safe(uint32_t msr, uint64_t* value);

u32 Z_halZ_rdmsrSafe(struct Z_hal_instance_t* h, u32 msr, u32 out) {
    (void)h; uint64_t v;
    check_linear(out, 8);
    if (rdmsr_safe(msr, &v) != 0) return 0;
    memcpy(tsvisor_core.w2c_memory.data + out, &v, 8);
    return 1;
}

/* The screen's EGA text buffer, for the panic path (boot/panic.c): set by
 * the core's screen driver (drivers/host/vga-text.ts); 0 while none. */
uint64_t panic_screen_phys;
uint32_t panic_screen_cols, panic_screen_rows, panic_screen_pitch;

void Z_halZ_setPanicScreen(struct Z_hal_instance_t* h, u64 phys, u32 cols, u32 rows, u32 pitch) {
    (void)h;
    check_physical(phys, (u64)rows * pitch);
    panic_screen_cols = cols;
    panic_screen_rows = rows;
    panic_screen_pitch = pitch;
    panic_screen_phys = phys;
}
