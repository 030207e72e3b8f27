/* Declarations shared by the native glue in boot/. */
#ifndef TSVISOR_NATIVE_H
#define TSVISOR_NATIVE_H
#include <stdint.h>

void idt_install(void);
void native_main(uint32_t mb2_magic, uint64_t mb2_info);
__attribute__((noreturn)) void halt_forever(void);

/* Last-resort output once the core can no longer speak (boot/panic.c). */
void panic_puts(const char* s);
void panic_puthex(uint64_t v);
__attribute__((noreturn)) void exception_panic(uint64_t vector, uint64_t error, uint64_t rip, uint64_t cr2);

/* Linker-script symbols (linker/tsvisor.ld). */
extern uint8_t __wasm_memory_base[];
extern uint8_t __wasm_memory_end[];
#endif
