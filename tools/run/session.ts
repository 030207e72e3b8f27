// One boot of an ISO on a test host: start the emulator, stream COM1, type
// into it, watch the control channel (COM2, control-channel.ts) for the
// core's end-of-run lines, and always stop the emulator (on its own exit, a
// time-out, a panic, or an abort signal such as Ctrl-C or Ctrl-A x).
import { spawn, ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { Launch, QEMU_STATUS_SUCCESS } from "./launch.js";
import { processTree, processesIn, signalAll } from "./process-tree.js";
import { ControlFile, endOfRun, looksLikeEndOfRun } from "./control-channel.js";

export type Verdict = "success" | "failure" | "panic" | "timeout" | "stopped" | "aborted";

export interface SessionResult {
  verdict: Verdict;
  reason: string;
  output: string;          // COM1 text (the hypervisor's lines and the guest's console), CR LF normalised to LF
  control: string;         // the control channel's text (COM2: the hypervisor's lines only), likewise
  exitStatus: number | null;
  seconds: number;
}

export interface SessionOptions {
  timeoutMs: number;      // 0: none
  onOutput?: (chunk: string) => void;
  signal?: AbortSignal;    // aborts the run (verdict "aborted"); a string reason is the run's reason
  // What is typed into the machine's COM1 (the user's terminal, or a test's
  // stream), forwarded byte for byte as it comes; bytes that come before
  // COM1 is connected wait for it.
  input?: NodeJS.ReadableStream;
}

// How often the control channel's file is read while the machine runs.
const CONTROL_POLL_MS = 150;
// After the core said it is done, give the emulator this long to exit by itself.
const GRACE_MS = 5000;
// After the emulator exited, how long its COM1 connection may take to deliver the rest.
const DRAIN_MS = 1000;

export function runSession(launch: Launch, opts: SessionOptions): Promise<SessionResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let child: ChildProcess | null = null;
    let output = "";
    let stderr = "";
    let finished = false;
    let stopReason: { verdict: Verdict; reason: string } | null = null;
    let graceTimer: NodeJS.Timeout | null = null;
    // COM1 over TCP (Bochs): the listening server and the one connection it takes.
    const link = launch.serial;
    let server: net.Server | null = null;
    let com1: net.Socket | null = null;
    let typedAhead: (Buffer | string)[] = [];
    const capture = link.kind === "socket" && link.capture ? fs.createWriteStream(link.capture) : null;
    capture?.on("error", () => {}); // a copy only: its directory may be gone first
    const control = new ControlFile(launch.control);

    // Everything the launch started: its process group, its process tree
    // (collected while the parent still lives) and, for a launch with its own
    // directory, whatever still works in it.
    const everything = (): number[] => {
      const pids = child?.pid ? [-child.pid, ...processTree(child.pid)] : [];
      if (launch.cwd) pids.push(...processesIn(launch.cwd));
      return pids;
    };
    const killGroup = (sig: NodeJS.Signals) => signalAll(everything(), sig);
    const stop = (verdict: Verdict, reason: string) => {
      if (stopReason) return;
      stopReason = { verdict, reason };
      if (!child) return void finish(null); // stopped before the emulator started
      const pids = everything();
      signalAll(pids, "SIGTERM");
      setTimeout(() => signalAll(pids, "SIGKILL"), 2000).unref();
    };
    const onExitOfParent = () => killGroup("SIGKILL");
    process.on("exit", onExitOfParent);

    // COM1: shown and kept, never judged.
    const take = (text: string) => {
      if (!text) return;
      const clean = text.replace(/\r/g, "");
      output += clean;
      opts.onOutput?.(clean);
    };
    // The control channel: a halted panic stops the machine at once; after a
    // power-off the emulator gets GRACE_MS to exit by itself.
    const watchControl = () => {
      if (!control.poll()) return;
      const end = endOfRun(control.text);
      if (end?.verdict === "panic" && end.done) stop("panic", end.reason);
      else if (end && end.verdict !== "panic" && !graceTimer) {
        graceTimer = setTimeout(() => stop(end.verdict, "the emulator did not exit after power-off"), GRACE_MS);
      }
    };
    const poller = setInterval(watchControl, CONTROL_POLL_MS);

    // Typing: to QEMU's stdin, or down the COM1 connection once Bochs made it.
    const type = (chunk: Buffer | string) => {
      if (link.kind === "stdio") {
        if (child?.stdin?.writable) child.stdin.write(chunk);
        else typedAhead.push(chunk);
      } else if (com1 && !com1.destroyed) com1.write(chunk);
      else typedAhead.push(chunk);
    };
    const flushTyped = (to: NodeJS.WritableStream) => {
      for (const chunk of typedAhead) to.write(chunk);
      typedAhead = [];
    };

    const startEmulator = () => {
      if (stopReason) return;
      const c = spawn(launch.command, launch.args, {
        cwd: launch.cwd,
        detached: true, // its own process group, so the whole tree can be stopped
        stdio: ["pipe", "pipe", "pipe"],
      });
      child = c;
      c.stdout!.on("data", (d: Buffer) => {
        if (link.kind === "stdio") take(d.toString("latin1"));
      });
      c.stderr!.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      c.stdin!.on("error", () => {});
      if (link.kind === "stdio") flushTyped(c.stdin!);
      c.on("error", (e) => finish(null, e));
      c.on("close", (code) => {
        // The emulator is gone; what it sent down COM1 may still be on its way.
        if (com1 && !com1.destroyed) {
          const drain = setTimeout(() => finish(code), DRAIN_MS);
          com1.once("close", () => {
            clearTimeout(drain);
            finish(code);
          });
        } else finish(code);
      });
    };

    if (link.kind === "socket") {
      // One connection, from the emulator; any other is refused.
      server = net.createServer((sock) => {
        if (com1) return void sock.destroy();
        com1 = sock;
        server?.close();
        sock.on("data", (d: Buffer) => {
          capture?.write(d);
          take(d.toString("latin1"));
        });
        sock.on("error", () => {});
        flushTyped(sock);
      });
      server.on("error", (e) => finish(null, e));
      server.listen(0, link.host, () => {
        link.connectTo((server!.address() as net.AddressInfo).port);
        startEmulator();
      });
    } else {
      startEmulator();
    }

    const onInput = (chunk: Buffer | string) => type(chunk);
    opts.input?.on("data", onInput);

    // timeoutMs 0: no time-out (an interactive shell's run).
    const timer = opts.timeoutMs > 0
      ? setTimeout(() => stop("timeout", `no end of run within ${opts.timeoutMs / 1000} s`), opts.timeoutMs)
      : undefined;
    const onAbort = () => {
      const why = opts.signal?.reason;
      stop("aborted", typeof why === "string" ? why : "interrupted");
    };
    opts.signal?.addEventListener("abort", onAbort);

    const finish = (status: number | null, error?: Error) => {
      if (finished) return;
      finished = true;
      opts.input?.removeListener("data", onInput);
      server?.close();
      (com1 as net.Socket | null)?.destroy();
      capture?.end();
      clearTimeout(timer);
      clearInterval(poller);
      if (graceTimer) clearTimeout(graceTimer);
      opts.signal?.removeEventListener("abort", onAbort);
      process.off("exit", onExitOfParent);
      killGroup("SIGKILL"); // leave nothing behind (script's children included)
      control.poll(); // the emulator is gone: its file holds all it wrote
      control.close();
      const end = endOfRun(control.text);
      let verdict: Verdict;
      let reason: string;
      if (error) {
        verdict = "stopped";
        reason = `could not start ${launch.command}: ${error.message}`;
      } else if (end) {
        ({ verdict, reason } = end);
        if (launch.host !== "bochs" && verdict === "success" && status !== QEMU_STATUS_SUCCESS && !stopReason) {
          verdict = "failure";
          reason = `tsvisor reported success but QEMU exited ${status} (expected ${QEMU_STATUS_SUCCESS} from isa-debug-exit)`;
        }
      } else {
        if (stopReason) ({ verdict, reason } = stopReason);
        else {
          verdict = "stopped";
          reason = `${launch.host} exited (status ${status}) before tsvisor powered off`;
        }
        if (verdict !== "aborted") reason += noVerdictNote(control, output);
        if (!stopReason) reason += hostDiagnostics(launch, stderr);
      }
      launch.cleanup();
      resolve({ verdict, reason, output, control: control.text, exitStatus: status, seconds: (Date.now() - started) / 1000 });
    };
  });
}

// Why a run that ended without a verdict had none: a silent control
// channel, and COM1 lines that look like a verdict but are not taken as one.
function noVerdictNote(control: ControlFile, output: string): string {
  const notes: string[] = [];
  if (control.text === "") notes.push(`${control.silence()}; is the ISO older than the control channel?`);
  if (looksLikeEndOfRun(output)) notes.push("COM1 shows an end-of-run line, but only the control channel's is taken");
  return notes.length ? ` (${notes.join("; ")})` : "";
}

// The emulator's last words, to explain a run that ended early.
function hostDiagnostics(launch: Launch, stderr: string): string {
  let text = stderr.trim();
  if (launch.hostLog && fs.existsSync(launch.hostLog)) {
    const lines = fs.readFileSync(launch.hostLog, "utf8").split("\n");
    text += "\n" + lines.filter((l) => /PANIC|ERROR|triple fault|shutdown/i.test(l)).slice(-8).join("\n");
  }
  text = text.trim();
  return text ? `:\n${text}` : "";
}
