/*
 * From the boot stub into the core: instantiate the wasm2c-compiled module
 * (its linear memory lands at the linker-reserved physical region) and call
 * its exported entry. Everything the machine prints from here on is the
 * core's decision.
 */
#include "core.h"
#include "native.h"

Z_core_instance_t tsvisor_core;

void native_main(uint32_t mb2_magic, uint64_t mb2_info) {
    wasm_rt_init();
    Z_core_init_module();
    Z_core_instantiate(&tsvisor_core, NULL);
    Z_coreZ_boot(&tsvisor_core, mb2_magic, mb2_info, (uint64_t)(uintptr_t)__wasm_memory_base,
                 (uint64_t)(__wasm_memory_end - __wasm_memory_base));
    /* The core ends every run itself (power-off); getting here means it chose to halt. */
    halt_forever();
}
