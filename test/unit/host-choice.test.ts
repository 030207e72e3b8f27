// Which host a run gets: auto takes kvm only where it nests, then QEMU TCG,
// then Bochs; --host kvm is refused (status 4) where KVM cannot nest.
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import { chooseHost, HostFacts, usableHosts, virtFlag } from "../../tools/run/host-choice.js";
import { readHostFacts } from "../../tools/run/hosts.js";

const INTEL = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse tsc msr vmx ept vpid\n";
const AMD = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu vme de pse tsc msr svm npt\n";
// The development and CI machines: a software KVM, no flag for the guest.
const PVM = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse tsc msr hypervisor\n";

const facts = (over: Partial<HostFacts>): HostFacts => ({
  kvmDevice: "ok", cpuinfo: PVM, kvmModules: { kvm_pvm: null }, qemu: true, bochs: true, script: true, ...over,
});
const nestingIntel = facts({ cpuinfo: INTEL, kvmModules: { kvm_intel: "Y\n" } });
const nestingAmd = facts({ cpuinfo: AMD, kvmModules: { kvm_amd: "1\n" } });

function chosen(f: HostFacts, requested = "auto", cpu?: string) {
  const c = chooseHost(f, requested, cpu);
  if (c.kind !== "chosen") throw new Error(`refused: ${c.reason}`);
  return c;
}
function refused(f: HostFacts, requested: string, cpu?: string) {
  const c = chooseHost(f, requested, cpu);
  if (c.kind !== "refused") throw new Error(`chose ${c.host}: ${c.line}`);
  return c;
}

describe("auto", () => {
  it("picks kvm on Intel with kvm_intel nested=Y", () => {
    const c = chosen(nestingIntel);
    expect(c.host).toBe("kvm");
    expect(c.line).toBe("host kvm (QEMU with KVM, nested VT-x), picked by --host auto");
  });

  it("picks kvm on AMD with kvm_amd nested=1", () => {
    const c = chosen(nestingAmd);
    expect(c.host).toBe("kvm");
    expect(c.line).toMatch(/nested AMD-V/);
  });

  it("skips kvm where the CPU has vmx but kvm_intel has nested=N", () => {
    const c = chosen(facts({ cpuinfo: INTEL, kvmModules: { kvm: null, kvm_intel: "N\n" } }));
    expect(c.host).toBe("qemu");
    expect(c.line).toMatch(/kvm skipped: this KVM cannot nest — kvm_intel is loaded with nested=N \(modprobe -r kvm_intel && modprobe kvm_intel nested=1\)/);
  });

  it("skips kvm where the CPU has svm but kvm_amd is not loaded", () => {
    const c = chosen(facts({ cpuinfo: AMD, kvmModules: { kvm_pvm: null } }));
    expect(c.host).toBe("qemu");
    expect(c.line).toMatch(/the CPU has svm but kvm_amd is not loaded \(its KVM module is kvm_pvm\)/);
  });

  it("skips kvm where /proc/cpuinfo has no vmx/svm flag (kvm_pvm, this project's machines)", () => {
    const c = chosen(facts({}));
    expect(c.host).toBe("qemu");
    expect(c.line).toBe("host qemu (QEMU TCG, AMD-V with nested paging), picked by --host auto; " +
      "kvm skipped: this KVM cannot nest — no vmx/svm flag in /proc/cpuinfo (its KVM module is kvm_pvm)");
  });

  it.each([
    ["missing", /kvm skipped: no \/dev\/kvm$/],
    ["denied", /kvm skipped: \/dev\/kvm is not readable and writable/],
  ] as const)("skips kvm where /dev/kvm is %s, even where it would nest", (kvmDevice, skip) => {
    const c = chosen({ ...nestingIntel, kvmDevice });
    expect(c.host).toBe("qemu");
    expect(c.line).toMatch(skip);
  });

  it("falls back to Bochs where QEMU is missing, and says why for both", () => {
    const c = chosen({ ...nestingIntel, qemu: false });
    expect(c.host).toBe("bochs");
    expect(c.line).toBe("host bochs (Bochs, VT-x with EPT), picked by --host auto; " +
      "kvm skipped: qemu-system-x86_64 is not installed; qemu skipped: qemu-system-x86_64 is not installed");
  });

  it("does not pick Bochs without bochs or without script(1)", () => {
    expect(usableHosts(facts({ qemu: false, bochs: false }))).toEqual([]);
    expect(usableHosts(facts({ qemu: false, script: false }))).toEqual([]);
    expect(usableHosts(facts({ bochs: false }))).toEqual(["qemu"]);
    expect(usableHosts(nestingIntel)).toEqual(["kvm", "qemu", "bochs"]);
  });

  it("refuses with status 4 and every reason where nothing is installed", () => {
    const c = refused(facts({ qemu: false, bochs: false, script: false }), "auto");
    expect(c.status).toBe("nohost");
    expect(c.reason).toMatch(/^no test host found \(kvm skipped: qemu-system-x86_64 is not installed; qemu skipped: .*; bochs skipped: bochs is not installed\): install qemu-system-x86 or bochs/);
  });

  it("names a --cpu override instead of the default model's features", () => {
    expect(chosen(facts({}), "auto", "qemu64,-svm").line).toMatch(/^host qemu \(--cpu qemu64,-svm\), picked by --host auto; kvm skipped/);
  });
});

describe("a requested host", () => {
  it("refuses --host kvm where KVM cannot nest, with the reason (exit status 4)", () => {
    const c = refused(facts({}), "kvm");
    expect(c.status).toBe("nohost");
    expect(c.reason).toBe("host 'kvm' cannot run the guest: this KVM cannot nest — no vmx/svm flag in /proc/cpuinfo " +
      "(its KVM module is kvm_pvm); use --host qemu or bochs, or auto (or --cpu MODEL to try anyway)");
  });

  it("allows --host kvm --cpu where KVM cannot nest, with a warning", () => {
    const c = chosen(facts({}), "kvm", "host,+vmx");
    expect(c.host).toBe("kvm");
    expect(c.line).toBe("host kvm (--cpu host,+vmx), as requested");
    expect(c.warning).toMatch(/^this KVM cannot nest — no vmx\/svm flag .*; running anyway because --cpu was given/);
  });

  it("refuses --host kvm without /dev/kvm or QEMU, --cpu or not", () => {
    expect(refused({ ...nestingIntel, kvmDevice: "missing" }, "kvm", "host").reason).toMatch(/^host 'kvm' cannot run here: no \/dev\/kvm/);
    expect(refused({ ...nestingIntel, qemu: false }, "kvm").status).toBe("nohost");
  });

  it("takes --host kvm where KVM nests, and qemu or bochs as asked", () => {
    expect(chosen(nestingAmd, "kvm").line).toBe("host kvm (QEMU with KVM, nested AMD-V), as requested");
    expect(chosen(facts({}), "bochs").line).toBe("host bochs (Bochs, VT-x with EPT), as requested");
    expect(chosen(nestingIntel, "qemu").host).toBe("qemu");
  });

  it("refuses an unknown host as a usage error", () => {
    const c = refused(facts({}), "vmware");
    expect(c.status).toBe("usage");
    expect(c.reason).toBe("unknown host 'vmware'; choose one of: bochs, qemu, kvm, auto");
  });
});

describe("virtFlag", () => {
  it("reads vmx or svm from the flags line only", () => {
    expect(virtFlag(INTEL)).toBe("vmx");
    expect(virtFlag(AMD)).toBe("svm");
    expect(virtFlag(PVM)).toBeNull();
    expect(virtFlag("model name\t: vmx svm lookalike\nflags\t\t: fpu\n")).toBeNull();
    expect(virtFlag("")).toBeNull();
  });
});

describe("this machine", () => {
  const real = readHostFacts();
  const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  const hasFlag = /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo);

  it("reads the facts as the files say", () => {
    expect(real.cpuinfo).toBe(cpuinfo);
    expect(real.kvmDevice).toEqual(fs.existsSync("/dev/kvm") ? expect.stringMatching(/^(ok|denied)$/) : "missing");
    for (const m of ["kvm_intel", "kvm_amd", "kvm_pvm"]) expect(m in real.kvmModules).toBe(fs.existsSync(`/sys/module/${m}`));
  });

  // The project's machines have /dev/kvm from kvm_pvm and no vmx/svm flag.
  it.runIf(!hasFlag)("auto does not pick kvm where the CPU has no vmx/svm flag", () => {
    const c = chooseHost(real, "auto");
    if (c.kind === "chosen") expect(c.host).not.toBe("kvm");
    if (real.kvmDevice === "ok" && real.qemu) {
      expect(c.kind === "chosen" && c.line).toMatch(/kvm skipped: this KVM cannot nest — no vmx\/svm flag in \/proc\/cpuinfo/);
    }
    expect(chooseHost(real, "kvm").kind).toBe("refused");
  });
});
