/* Declarations shared by the native glue in boot/. */
#ifndef TSVISOR_NATIVE_H
#define TSVISOR_NATIVE_H
#include <stdint.h>

void idt_install(void);

/* The hypervisor's address space (boot/address-space.c, docs/memory-layout.md).
 * The core's linear memory is mapped at CORE_VIRT (PML4 slot 1, 512 GiB);
 * CORE_GUARD_BYTES after it hold nothing but its mapped size: 2^33, the
 * farthest a wasm32 address plus a 32-bit offset reaches, and a wasm page. */
#define CORE_VIRT 0x8000000000ull
#define CORE_GUARD_BYTES ((1ull << 33) + 65536ull)
void address_space_init(uint32_t mb2_magic, uint64_t mb2_info);
/* The core's linear memory: its size (linker/tsvisor.ld WASM_MEMORY_SIZE,
 * from tools/builder/config.ts) and where it was placed. */
extern uint8_t WASM_MEMORY_SIZE[];
#define CORE_MEMORY_BYTES ((uint64_t)(uintptr_t)WASM_MEMORY_SIZE)
extern uint64_t core_memory_phys;
int core_memory_map(uint64_t bytes);
int fault_in_core_guard(uint64_t address);
int fault_in_stack_guard(uint64_t address);
void native_main(uint32_t mb2_magic, uint64_t mb2_info);
__attribute__((noreturn)) void halt_forever(void);

/* Last-resort output once the core can no longer speak (boot/panic.c). */
void panic_puts(const char* s);
void panic_puthex(uint64_t v);
__attribute__((noreturn)) void exception_panic(uint64_t vector, uint64_t error, uint64_t rip, uint64_t cr2);

#endif
