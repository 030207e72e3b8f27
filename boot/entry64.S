/*
 * 64-bit entry: load data segments and the IDT, then hand over to the C glue
 * (boot/main.c), which instantiates the wasm2c-compiled core.
 */
    .intel_syntax noprefix
    .section .text
    .code64
    .global long_mode_entry
long_mode_entry:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor ax, ax
    mov fs, ax
    mov gs, ax
    mov rsp, offset boot_stack_top
    /* EDI = multiboot2 magic, ESI = info pointer (zero-extended by the 32-bit moves). */
    mov edi, edi
    mov esi, esi
    push rdi
    push rsi
    call address_space_init     /* (magic, info): W^X, the stack guard, the core at CORE_VIRT */
    call idt_install
    pop rsi
    pop rdi
    call native_main
    .global halt_forever
halt_forever:
    cli
    hlt
    jmp halt_forever
