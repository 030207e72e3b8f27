// VMWRITE that says which field failed: a failure means the core named a
// field this CPU lacks, or a value it refuses (SDM Vol. 3C §31.3 VMWRITE).
import { vmwrite } from "../hal/imports";
import { begin, endl, puts, putHex } from "../console/console";

export function vmcsWrite(field: u32, value: u64): void {
  if (vmwrite(field, value) != 0) {
    begin("VMX: VMWRITE of field ");
    putHex(field, 4);
    puts(" failed");
    endl();
  }
}
