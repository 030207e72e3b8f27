// A QEMU machine with its monitor on a socket, for boot tests that look at
// what the serial console cannot show: the page tables the CPU walks, what
// is on the screen. Boots the ISO as the run tool's launch would (QEMU TCG,
// tools/run/launch.ts), with COM1 to a file, and asks the monitor once the
// console has printed a given text.
import { spawn, ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { launchFor, Firmware } from "../../tools/run/launch.js";

export interface MonitoredQemu {
  dir: string;       // the machine's own directory (removed by stop)
  serial: string;    // COM1's capture
  ask(command: string): Promise<string>;
  waitFor(text: string, ms: number): Promise<void>;
  stop(): void;
}

export function startMonitored(iso: string, firmware: Firmware = "bios"): MonitoredQemu {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsvisor-monitor-"));
  const sock = path.join(dir, "monitor.sock");
  const serial = path.join(dir, "com1.txt");
  const l = launchFor("qemu", iso, undefined, { memoryMiB: 512, firmware });
  const args = [...l.args];
  args.splice(args.indexOf("-monitor"), 2, "-monitor", `unix:${sock},server,nowait`);
  args.splice(args.indexOf("stdio"), 1, `file:${serial}`);
  const qemu: ChildProcess = spawn(l.command, args, { stdio: "ignore" });
  return {
    dir,
    serial,
    ask: (command) => monitor(sock, command),
    waitFor: (text, ms) => waitFor(serial, text, ms),
    stop() {
      qemu.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
      l.cleanup();
    },
  };
}

// One monitor command's output (everything up to the next prompt).
function monitor(sock: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(sock);
    let buf = "";
    let sent = false;
    c.on("data", (d) => {
      buf += d.toString("latin1");
      if (!sent && buf.includes("(qemu)")) {
        sent = true;
        buf = "";
        c.write(`${command}\n`);
      } else if (sent && /\(qemu\) $/.test(buf)) {
        c.end();
        resolve(buf);
      }
    });
    c.on("error", reject);
  });
}

async function waitFor(file: string, text: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fs.existsSync(file) && fs.readFileSync(file, "latin1").includes(text)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`"${text}" never appeared in ${file}`);
}
