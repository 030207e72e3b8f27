// The tsvisor command as a user runs it: exit statuses, usage errors, and the
// emulator always stopped.
import { describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { processesIn } from "../../tools/run/process-tree.js";
import { readHostFacts } from "../../tools/run/hosts.js";
import { usableHosts } from "../../tools/run/host-choice.js";

const ROOT = path.resolve(__dirname, "../..");
const tsvisor = (...args: string[]) =>
  spawnSync("node", ["bin/tsvisor.mjs", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });

// The Bochs run's own directory, from the run tool's "booting ... in DIR" line.
function bochsDir(stderr: string): string {
  const m = / in (\/\S+tsvisor-bochs-\w+)\)$/m.exec(stderr);
  if (!m) throw new Error(`no Bochs directory in: ${stderr}`);
  return m[1];
}

// Where KVM cannot nest (the project's machines: kvm_pvm, no vmx/svm flag),
// auto must fall back before booting and --host kvm must be refused at once.
const usable = usableHosts(readHostFacts());

// Processes still running in the run's directory (the emulator and
// script(1)) are checked with processesIn, so other runs on the machine do not count.

// Each test boots an emulator (and may build an ISO first) while the rest of
// the suite runs Bochs on the same cores: a generous time-out, as long as the
// run tool's own (spawnSync above), not the suite's default 30 s.
describe("tsvisor run", { timeout: 120_000 }, () => {
  it("boots on QEMU, streams the console to stdout and exits 0", () => {
    const r = tsvisor("run", "--host", "qemu", "--timeout", "60");
    expect(r.stdout).toMatch(/^tsvisor: verdict: SVM with nested paging is usable$/m);
    expect(r.stdout).toMatch(/^tsvisor: power off: status success$/m);
    expect(r.stderr).toMatch(/run success after/);
    expect(r.status).toBe(0);
  });

  it.runIf(!usable.includes("kvm") && usable.includes("qemu"))(
    "auto (npm start) skips a KVM that cannot nest, says why, and boots on QEMU", () => {
      const r = tsvisor("run", "--host", "auto", "--guest", "test:hello", "--timeout", "60");
      expect(r.stderr).toMatch(/^tsvisor: host qemu \(QEMU TCG, AMD-V with nested paging\), picked by --host auto; kvm skipped: .+$/m);
      expect(r.stdout).toMatch(/^verdict: PASS$/m);
      expect(r.status).toBe(0);
    });

  // On this machine's real facts: refused before building where KVM cannot
  // nest; where it can, the run picks kvm (and is cut by --timeout 1).
  it("--host kvm: refused before building with exit status 4 where KVM cannot nest, else picked", () => {
    const started = Date.now();
    if (!usable.includes("kvm")) {
      const r = tsvisor("run", "--host", "kvm");
      expect(r.stderr).toMatch(/^tsvisor run: host 'kvm' cannot run (the guest|here): .+; use --host qemu or bochs/m);
      expect(r.stderr).not.toMatch(/booting|build/);
      expect(r.status).toBe(4);
      expect(Date.now() - started).toBeLessThan(10_000);
    } else {
      const r = tsvisor("run", "--host", "kvm", "--timeout", "1");
      expect(r.stderr).toMatch(/^tsvisor: host kvm /m);
      expect(r.status).not.toBe(4);
    }
  });

  it("exits 1 when the hypervisor panics", () => {
    const r = tsvisor("run", "--host", "qemu", "--cmdline", "selftest=trap-unreachable", "--timeout", "60");
    expect(r.stderr).toMatch(/run panic after .*the core trapped: unreachable executed/);
    expect(r.status).toBe(1);
  });

  it.each([
    [["run", "--host", "vmware"], /unknown host 'vmware'; choose one of: bochs, qemu, kvm, auto/],
    [["run", "--guest", "windows"], /unknown guest 'windows'; available: none/],
    [["run", "--timeout", "soon"], /must be a positive whole number/],
    [["bench", "--host", "vmware"], /unknown host 'vmware'; use bochs, qemu or all/],
    [["run", "--frobnicate"], /unknown option '--frobnicate'/],
    [["fly"], /unknown command 'fly'/],
  ])("refuses %j with a usage message and exit status 2", (args, message) => {
    const r = tsvisor(...(args as string[]));
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
  });

  it("refuses a command line that grub.cfg could not carry", () => {
    const r = tsvisor("run", "--host", "qemu", "--cmdline", 'a"; reboot');
    expect(r.stderr).toMatch(/bad hypervisor command line/);
    expect(r.status).toBe(1);
  });

  it("stops the emulator on a time-out and exits 3", () => {
    // Bochs cannot reach the end of a run in one second.
    const r = tsvisor("run", "--host", "bochs", "--timeout", "1");
    expect(r.stderr).toMatch(/run timeout after .*no end of run within 1 s/);
    expect(r.status).toBe(3);
    expect(processesIn(bochsDir(r.stderr))).toEqual([]);
  });

  it("--guest-timeout sets the VM's time budget, over what the guest declares (spin asks for 1 s)", () => {
    const r = tsvisor("run", "--host", "qemu", "--guest", "test:spin", "--guest-timeout", "2", "--timeout", "60");
    expect(r.stdout).toMatch(/^tsvisor: VM: time budget 2 s \(guest_timeout\)$/m);
    expect(r.stdout).toMatch(/^tsvisor: VM stopped: the guest ran past its time budget/m);
    expect(r.status).toBe(1);
  });

  it.each(["0", "86401", "soon"])("--guest-timeout %s is refused before building (exit 2)", (v) => {
    const r = tsvisor("run", "--host", "qemu", "--guest-timeout", v);
    expect(r.stderr).toMatch(/--guest-timeout/);
    expect(r.status).toBe(2);
  });

  it("--log also writes the console to a file", () => {
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tsvisor-log-")), "console.txt");
    const r = tsvisor("run", "--host", "qemu", "--timeout", "60", "--log", log);
    expect(r.status).toBe(0);
    const text = fs.readFileSync(log, "utf8");
    expect(text).toMatch(/^tsvisor: verdict: SVM with nested paging is usable$/m);
    expect(text).toBe(r.stdout);
  });

  it("Ctrl-C (SIGINT) stops the emulator and exits 130", async () => {
    const child = spawn("node", ["bin/tsvisor.mjs", "run", "--host", "bochs", "--timeout", "120"], { cwd: ROOT });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d.toString();
      // Interrupt once the emulator is running.
      if (stderr.includes("booting ") && !child.killed) setTimeout(() => child.kill("SIGINT"), 500);
    });
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toMatch(/run aborted after .*interrupted/);
    expect(status).toBe(130);
    expect(processesIn(bochsDir(stderr))).toEqual([]);
  });
});
