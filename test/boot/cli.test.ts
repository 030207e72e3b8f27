// The tsvisor command as a user runs it: exit statuses, usage errors, and the
// emulator always stopped.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const tsvisor = (...args: string[]) =>
  spawnSync("node", ["bin/tsvisor.mjs", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });

function emulatorsRunning(): string {
  const r = spawnSync("sh", ["-c", "pgrep -af 'qemu-system-x86_64|bochs -q' | grep -v pgrep || true"], { encoding: "utf8" });
  return r.stdout.trim();
}

describe("tsvisor run", () => {
  it("boots on QEMU, streams the console to stdout and exits 0", () => {
    const r = tsvisor("run", "--host", "qemu", "--timeout", "60");
    expect(r.stdout).toMatch(/^tsvisor: verdict: SVM with nested paging is usable$/m);
    expect(r.stdout).toMatch(/^tsvisor: power off: status success$/m);
    expect(r.stderr).toMatch(/run success after/);
    expect(r.status).toBe(0);
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
    expect(emulatorsRunning()).toBe("");
  });
});
