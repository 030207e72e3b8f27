// VM-instruction error numbers, in words (Intel SDM Vol. 3C §31.4, Table 31-1).
const ERRORS: StaticArray<string> = [
  "no error",
  "VMCALL executed in VMX root operation",
  "VMCLEAR with invalid physical address",
  "VMCLEAR with VMXON pointer",
  "VMLAUNCH with non-clear VMCS",
  "VMRESUME with non-launched VMCS",
  "VMRESUME after VMXOFF",
  "VM entry with invalid control field(s)",
  "VM entry with invalid host-state field(s)",
  "VMPTRLD with invalid physical address",
  "VMPTRLD with VMXON pointer",
  "VMPTRLD with incorrect VMCS revision identifier",
  "VMREAD/VMWRITE from/to unsupported VMCS component",
  "VMWRITE to read-only VMCS component",
  "reserved",
  "VMXON executed in VMX root operation",
  "VM entry with invalid executive-VMCS pointer",
  "VM entry with non-launched executive VMCS",
  "VM entry with executive-VMCS pointer not VMXON pointer",
  "VMCALL with non-clear VMCS",
  "VMCALL with invalid VM-exit control fields",
  "reserved",
  "VMCALL with incorrect MSEG revision identifier",
  "VMXOFF under dual-monitor treatment of SMIs and SMM",
  "VMCALL with invalid SMM-monitor features",
  "VM entry with invalid VM-execution control fields in executive VMCS",
  "VM entry with events blocked by MOV SS",
  "reserved",
  "invalid operand to INVEPT/INVVPID",
];

export function instructionErrorText(n: u32): string {
  return n < <u32>ERRORS.length ? ERRORS[<i32>n] : "unknown error";
}
