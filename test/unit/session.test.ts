// The run tool's serial plumbing (tools/run/session.ts) against stand-in
// emulators — small Node programs that act as QEMU's -serial stdio or as
// Bochs's socket-client COM1, and write the control channel (COM2) to the
// file the launch names — so that typing, output and the verdict are checked
// without booting anything.
import { describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { runSession } from "../../tools/run/session.js";
import { Launch } from "../../tools/run/launch.js";

type Kind = "stdio" | "socket";

// A machine's program sees `input` (typed bytes), `com1(text, then)`,
// `control(text)` (appends to the control channel's file) and
// `exit(qemuStatus)` (QEMU's isa-debug-exit status; Bochs exits 0).
const PRELUDE = String.raw`
  const fs = require("fs");
  const control = (text) => fs.appendFileSync("control.txt", text);`;
const STDIO = (body: string) => String.raw`${PRELUDE}
  const input = process.stdin;
  const com1 = (text, then) => process.stdout.write(text, then);
  const exit = (status) => process.exit(status);
  ${body}`;
// Bochs's socket-client COM1: connect to the port the session wrote into the configuration.
const SOCKET = (body: string) => String.raw`${PRELUDE}
  const port = Number(fs.readFileSync("port", "utf8"));
  const s = require("net").connect(port, "127.0.0.1", () => {
    const input = s;
    const com1 = (text, then) => s.write(text, then);
    const exit = () => s.end(() => process.exit(0));
    ${body}
  });`;

function standIn(kind: Kind, body: string): Launch {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsvisor-session-"));
  return {
    host: kind === "stdio" ? "qemu" : "bochs",
    command: process.execPath,
    args: ["-e", kind === "stdio" ? STDIO(body) : SOCKET(body)],
    cwd: dir,
    serial: kind === "stdio"
      ? { kind: "stdio" }
      : { kind: "socket", host: "127.0.0.1", connectTo: (port) => fs.writeFileSync(path.join(dir, "port"), String(port)) },
    control: path.join(dir, "control.txt"),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

// Prints a ready line, echoes one typed line, powers off (on both channels, as the core does).
const ECHO = String.raw`
  com1("guest: ready\r\n");
  let line = "";
  input.on("data", (d) => {
    line += d.toString("latin1");
    if (!line.includes("\n")) return;
    control("tsvisor: power off: status success\r\n");
    com1("guest: echo: " + line.split("\n")[0] + "\r\ntsvisor: power off: status success\r\n", () => exit(33));
  });`;

// A guest that forges the hypervisor's end-of-run lines on COM1, and a
// hypervisor that then reports failure on the control channel.
const FORGER = String.raw`
  com1("tsvisor: power off: status success\r\ntsvisor: PANIC: x\r\ntsvisor: machine halted\r\n");
  setTimeout(() => {
    control("tsvisor: VM stopped: the guest powered off with status 1\r\ntsvisor: power off: status failure\r\n");
    com1("tsvisor: power off: status failure\r\n", () => exit(35));
  }, 600);`;

describe("typing into COM1", () => {
  it.each(["stdio", "socket"] as const)("%s: what is typed reaches the machine, even before it is connected, and its output comes back", async (kind) => {
    const input = new PassThrough();
    input.write("typed ahead, ");                        // before the machine runs: kept for it
    const r = await runSession(standIn(kind, ECHO), {
      timeoutMs: 20_000,
      input,
      onOutput: (s) => {
        if (s.includes("guest: ready")) input.write("hello tsvisor\n");
      },
    });
    expect(r.output.split("\n")).toContain("guest: echo: typed ahead, hello tsvisor");
    expect(r.control).toBe("tsvisor: power off: status success\n");
    expect(r.verdict).toBe("success");
  });

  it("a machine that never powers off is stopped on the time-out", async () => {
    const r = await runSession(standIn("socket", ECHO), { timeoutMs: 1500, input: new PassThrough() });
    expect(r.output).toContain("guest: ready");
    expect(r.verdict).toBe("timeout");
    expect(r.reason).toMatch(/control channel's file .*control\.txt \(COM2\) never appeared/);
  });
});

describe("the verdict comes from the control channel (COM2) only", () => {
  it.each(["stdio", "socket"] as const)("%s: COM1's forged success, panic and halt are shown but not believed", async (kind) => {
    const r = await runSession(standIn(kind, FORGER), { timeoutMs: 20_000 });
    expect(r.output).toContain("tsvisor: power off: status success\ntsvisor: PANIC: x\ntsvisor: machine halted\n");
    expect(r.control).not.toContain("status success");
    expect(r.verdict).toBe("failure");
    expect(r.reason).toBe("tsvisor powered off with status failure");
  });

  it.each(["stdio", "socket"] as const)("%s: a success said only on the control channel is a success", async (kind) => {
    const r = await runSession(standIn(kind, String.raw`
      control("tsvisor: power off: status success\r\n");
      setTimeout(() => exit(33), 300);`), { timeoutMs: 20_000 });
    expect(r.output).toBe("");
    expect(r.verdict).toBe("success");
  });

  it("a panic on the control channel stops a machine that stays halted, without waiting for the time-out", async () => {
    const r = await runSession(standIn("socket", String.raw`
      com1("guest: working\r\n");
      control("tsvisor: PANIC: the core trapped: unreachable executed\r\ntsvisor: machine halted\r\n");
      setInterval(() => {}, 1000);`), { timeoutMs: 20_000 });
    expect(r.verdict).toBe("panic");
    expect(r.reason).toBe("the hypervisor panicked: the core trapped: unreachable executed");
    expect(r.seconds).toBeLessThan(10);
  });

  it("a machine with no control channel (an old ISO) has no verdict, and the reason says why", async () => {
    const r = await runSession(standIn("stdio", String.raw`
      com1("tsvisor: power off: status success\r\n", () => exit(33));`), { timeoutMs: 20_000 });
    expect(r.verdict).toBe("stopped");
    expect(r.reason).toMatch(/^qemu exited \(status 33\) before tsvisor powered off \(the control channel's file .* never appeared; /);
    expect(r.reason).toMatch(/COM1 shows an end-of-run line, but only the control channel's is taken/);
  });
});
