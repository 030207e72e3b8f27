/*
 * From the boot stub into the core: instantiate the wasm2c-compiled module
 * (its linear memory is mapped at CORE_VIRT onto the RAM boot/core-
 * placement.c chose) and call its exported entry. Everything the machine prints from here on is the
 * core's decision.
 */
#include "core.h"
#include "native.h"

Z_core_instance_t tsvisor_core;

void native_main(uint32_t mb2_magic, uint64_t mb2_info) {
    wasm_rt_init();
    Z_core_init_module();
    Z_core_instantiate(&tsvisor_core, NULL);
    Z_coreZ_boot(&tsvisor_core, mb2_magic, mb2_info, core_memory_phys, CORE_MEMORY_BYTES);
    /* The core ends every run itself (power-off); getting here means it chose to halt. */
    halt_forever();
}
