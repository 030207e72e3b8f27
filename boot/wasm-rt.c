/*
 * Freestanding implementation of the wasm2c runtime (wasm-rt.h, wabt 1.0.32)
 * for bare metal. Memory safety comes from the MMU: the linear memory is
 * followed by unmapped guard space and the native stack by an unmapped
 * page (boot/address-space.c; WASM_RT_MEMCHECK_SIGNAL_HANDLER=1, no
 * call-depth counting). A core bug faults there, and the fault becomes
 * wasm_rt_trap() (boot/panic.c), which reports the trap kind and halts,
 * instead of silent corruption.
 */
#include <stdarg.h>
#include "wasm-rt.h"
#include "native.h"

static bool initialized;

void wasm_rt_init(void) { initialized = true; }
bool wasm_rt_is_initialized(void) { return initialized; }
void wasm_rt_free(void) { initialized = false; }

const char* wasm_rt_strerror(wasm_rt_trap_t trap) {
    switch (trap) {
    case WASM_RT_TRAP_NONE: return "no error";
    case WASM_RT_TRAP_OOB: return "out-of-bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "invalid indirect call";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
    }
    return "unknown trap";
}

void wasm_rt_trap(wasm_rt_trap_t trap) {
    panic_puts("\ntsvisor: PANIC: the core trapped: ");
    panic_puts(wasm_rt_strerror(trap));
    panic_puts("\ntsvisor: machine halted\n");
    halt_forever();
}

/* ---- linear memory: the RAM boot/core-placement.c chose, mapped at CORE_VIRT
 * (boot/address-space.c) as far as its current size: past it, unmapped ---- */

#define WASM_PAGE 65536u

void wasm_rt_allocate_memory(wasm_rt_memory_t* mem, uint32_t initial_pages, uint32_t max_pages) {
    uint64_t reserved = CORE_MEMORY_BYTES;
    if ((uint64_t)max_pages * WASM_PAGE > reserved) {
        panic_puts("\ntsvisor: PANIC: the core's maximum linear memory exceeds WASM_MEMORY_SIZE\n");
        halt_forever();
    }
    if (!core_memory_map((uint64_t)initial_pages * WASM_PAGE)) {
        panic_puts("\ntsvisor: PANIC: the core's linear memory outgrows boot/address-space.c's page tables\n");
        halt_forever();
    }
    mem->data = (uint8_t*)(uintptr_t)CORE_VIRT;
    mem->pages = initial_pages;
    mem->max_pages = max_pages;
    mem->size = initial_pages * WASM_PAGE;
    memset(mem->data, 0, mem->size);
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* mem, uint32_t delta) {
    uint32_t old = mem->pages;
    if (delta > mem->max_pages - old) return (uint32_t)-1;
    if (!core_memory_map((uint64_t)(old + delta) * WASM_PAGE)) return (uint32_t)-1;
    memset(mem->data + mem->size, 0, (size_t)delta * WASM_PAGE);
    mem->pages = old + delta;
    mem->size = mem->pages * WASM_PAGE;
    return old;
}

void wasm_rt_free_memory(wasm_rt_memory_t* mem) { (void)mem; }

/* ---- function types: interned signatures for call_indirect checks ---- */

#define MAX_FUNC_TYPES 128
#define MAX_FUNC_TYPE_ARITY 16
static struct {
    uint32_t params, results;
    wasm_rt_type_t types[MAX_FUNC_TYPE_ARITY];
} func_types[MAX_FUNC_TYPES];
static uint32_t func_type_count;

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
    wasm_rt_type_t types[MAX_FUNC_TYPE_ARITY];
    if (params + results > MAX_FUNC_TYPE_ARITY) wasm_rt_trap(WASM_RT_TRAP_CALL_INDIRECT);
    va_list ap;
    va_start(ap, results);
    for (uint32_t i = 0; i < params + results; i++) types[i] = (wasm_rt_type_t)va_arg(ap, int);
    va_end(ap);
    for (uint32_t t = 0; t < func_type_count; t++) {
        if (func_types[t].params != params || func_types[t].results != results) continue;
        if (memcmp(func_types[t].types, types, sizeof(wasm_rt_type_t) * (params + results)) == 0) return t;
    }
    if (func_type_count == MAX_FUNC_TYPES) wasm_rt_trap(WASM_RT_TRAP_CALL_INDIRECT);
    func_types[func_type_count].params = params;
    func_types[func_type_count].results = results;
    memcpy(func_types[func_type_count].types, types, sizeof(wasm_rt_type_t) * (params + results));
    return func_type_count++;
}

/* ---- tables: a fixed pool (the core has one small funcref table) ---- */

#define FUNCREF_POOL 1024
static wasm_rt_funcref_t funcref_pool[FUNCREF_POOL];
static uint32_t funcref_used;

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t* table, uint32_t elements, uint32_t max_elements) {
    (void)max_elements;
    if (elements > FUNCREF_POOL - funcref_used) {
        panic_puts("\ntsvisor: PANIC: the core's function table exceeds the native pool\n");
        halt_forever();
    }
    table->data = &funcref_pool[funcref_used];
    table->size = elements;
    table->max_size = elements;   /* tables do not grow: AssemblyScript never grows them */
    funcref_used += elements;
    for (uint32_t i = 0; i < elements; i++) table->data[i] = wasm_rt_funcref_null_value;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t* table) { (void)table; }

uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t* table, uint32_t delta, wasm_rt_funcref_t init) {
    (void)table; (void)delta; (void)init;
    return (uint32_t)-1;
}
