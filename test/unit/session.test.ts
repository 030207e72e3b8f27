// The run tool's COM1 plumbing (tools/run/session.ts, console-input.ts)
// against stand-in emulators — small Node programs that act as QEMU's
// -serial stdio or as Bochs's socket-client COM1 — so that typing, output
// and the end of a run are checked without booting anything.
import { describe, expect, it, vi } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { runSession } from "../../tools/run/session.js";
import { Launch } from "../../tools/run/launch.js";
import { consoleInput } from "../../tools/run/console-input.js";

// A stand-in machine: prints a ready line, echoes one typed line, powers off.
const MACHINE = `
  const run = (input, output, exit) => {
    output.write("guest: ready\\r\\n");
    let line = "";
    input.on("data", (d) => {
      line += d.toString("latin1");
      if (!line.includes("\\n")) return;
      output.write("guest: echo: " + line.split("\\n")[0] + "\\r\\ntsvisor: power off: status success\\r\\n", exit);
    });
  };`;
const STDIO_MACHINE = `${MACHINE} run(process.stdin, process.stdout, () => process.exit(33));`;
// Bochs's socket-client COM1: connect to the port the session wrote into the configuration.
const SOCKET_MACHINE = `${MACHINE}
  const port = Number(require("fs").readFileSync("port", "utf8"));
  const s = require("net").connect(port, "127.0.0.1", () => run(s, s, () => s.end(() => process.exit(0))));`;

function standIn(kind: "stdio" | "socket"): Launch {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsvisor-session-"));
  return {
    host: kind === "stdio" ? "qemu" : "bochs",
    command: process.execPath,
    args: ["-e", kind === "stdio" ? STDIO_MACHINE : SOCKET_MACHINE],
    cwd: dir,
    serial: kind === "stdio"
      ? { kind: "stdio" }
      : { kind: "socket", host: "127.0.0.1", connectTo: (port) => fs.writeFileSync(path.join(dir, "port"), String(port)) },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

describe("typing into COM1", () => {
  it.each(["stdio", "socket"] as const)("%s: what is typed reaches the machine, even before it is connected, and its output comes back", async (kind) => {
    const input = new PassThrough();
    input.write("typed ahead, ");                        // before the machine runs: kept for it
    const r = await runSession(standIn(kind), {
      timeoutMs: 20_000,
      input,
      onOutput: (s) => {
        if (s.includes("guest: ready")) input.write("hello tsvisor\n");
      },
    });
    expect(r.output.split("\n")).toContain("guest: echo: typed ahead, hello tsvisor");
    expect(r.verdict).toBe("success");
  });

  it("a machine that never powers off is stopped on the time-out", async () => {
    const r = await runSession(standIn("socket"), { timeoutMs: 1500, input: new PassThrough() });
    expect(r.output).toContain("guest: ready");
    expect(r.verdict).toBe("timeout");
  });
});

describe("the user's terminal (consoleInput)", () => {
  const fakeTty = () => Object.assign(new PassThrough(), { isTTY: true, setRawMode: vi.fn() }) as unknown as NodeJS.ReadStream & { setRawMode: ReturnType<typeof vi.fn> };

  it("is put in raw mode and restored; Ctrl-C stops the run instead of reaching the guest", () => {
    const tty = fakeTty();
    const onInterrupt = vi.fn();
    const typed = consoleInput(tty, onInterrupt);
    const got: Buffer[] = [];
    typed.stream.on("data", (d: Buffer) => got.push(d));
    expect(tty.setRawMode).toHaveBeenLastCalledWith(true);
    tty.write(Buffer.from("ls\r"));
    tty.write(Buffer.from("ab\x03cd"));
    typed.close();
    expect(Buffer.concat(got).toString()).toBe("ls\rab");
    expect(onInterrupt).toHaveBeenCalledTimes(1);
    expect(tty.setRawMode).toHaveBeenLastCalledWith(false);
  });

  it("from a pipe passes every byte, 0x03 included", () => {
    const pipe = new PassThrough() as unknown as NodeJS.ReadStream;
    const onInterrupt = vi.fn();
    const typed = consoleInput(pipe, onInterrupt);
    const got: Buffer[] = [];
    typed.stream.on("data", (d: Buffer) => got.push(d));
    (pipe as unknown as PassThrough).write(Buffer.from("a\x03b"));
    typed.close();
    expect(Buffer.concat(got).toString()).toBe("a\x03b");
    expect(onInterrupt).not.toHaveBeenCalled();
  });
});
