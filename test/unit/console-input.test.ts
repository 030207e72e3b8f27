// The user's keys during `tsvisor run` (tools/run/console-input.ts): the
// Ctrl-A escape as a pure function, and consoleInput on a fake terminal and a
// fake pipe.
import { describe, expect, it, vi } from "vitest";
import { PassThrough } from "node:stream";
import { consoleInput, escapeKeys, KeyAction, HELP_LINE, START_LINE } from "../../tools/run/console-input.js";

// Feed chunks through one escape state machine; collect what the guest gets
// and the run tool's own actions, in order.
function keys(...chunks: string[]): { sent: string; actions: string[] } {
  const feed = escapeKeys();
  const actions: KeyAction[] = chunks.flatMap((c) => feed(Buffer.from(c, "latin1")));
  return {
    sent: Buffer.concat(actions.flatMap((a) => ("send" in a ? [a.send] : []))).toString("latin1"),
    actions: actions.map((a) => ("send" in a ? `send ${JSON.stringify(a.send.toString("latin1"))}` : "help" in a ? "help" : "end")),
  };
}

describe("the Ctrl-A escape (escapeKeys)", () => {
  it("passes Ctrl-C and every other byte to the guest", () => {
    expect(keys("ls\r", "\x03", "a\x03b\x1b[A")).toEqual({
      sent: "ls\r\x03a\x03b\x1b[A",
      actions: ['send "ls\\r"', 'send "\\u0003"', 'send "a\\u0003b\\u001b[A"'],
    });
  });

  it("Ctrl-A x ends the run, after the bytes before it, and nothing after it is taken", () => {
    expect(keys("ab\x01xcd", "ef")).toEqual({ sent: "ab", actions: ['send "ab"', "end"] });
  });

  it("Ctrl-A Ctrl-A sends one Ctrl-A", () => {
    expect(keys("a\x01\x01b").sent).toBe("a\x01b");
  });

  it("Ctrl-A h asks for the help line and sends nothing", () => {
    expect(keys("\x01hq")).toEqual({ sent: "q", actions: ["help", 'send "q"'] });
  });

  it("Ctrl-A then any other byte sends both", () => {
    expect(keys("\x01c\x01X\x01\x03").sent).toBe("\x01c\x01X\x01\x03");
  });

  it("an escape may straddle two chunks", () => {
    expect(keys("ls\x01", "x")).toEqual({ sent: "ls", actions: ['send "ls"', "end"] });
    expect(keys("\x01", "\x01", "\x01", "x").actions).toEqual(['send "\\u0001"', "end"]);
    expect(keys("a\x01", "b").sent).toBe("a\x01b");
  });
});

describe("consoleInput", () => {
  const fakeTty = () =>
    Object.assign(new PassThrough(), { isTTY: true, setRawMode: vi.fn() }) as unknown as NodeJS.ReadStream & { setRawMode: ReturnType<typeof vi.fn> };
  const collect = (s: NodeJS.ReadableStream) => {
    const got: Buffer[] = [];
    s.on("data", (d: Buffer) => got.push(d));
    return () => Buffer.concat(got).toString("latin1");
  };

  it("on a terminal: raw mode, restored at the end; Ctrl-C reaches the guest; Ctrl-A x ends the run", () => {
    const tty = fakeTty();
    const onEnd = vi.fn();
    const said: string[] = [];
    const typed = consoleInput(tty, { onEnd, say: (l) => said.push(l) });
    const got = collect(typed.stream);
    expect(typed.terminal).toBe(true);
    expect(tty.setRawMode).toHaveBeenLastCalledWith(true);
    expect(said).toEqual([START_LINE]);
    tty.write(Buffer.from("ls\r"));
    tty.write(Buffer.from("ab\x03cd\x01"));
    tty.write(Buffer.from("h\x01\x01"));
    expect(said).toEqual([START_LINE, HELP_LINE]);
    expect(onEnd).not.toHaveBeenCalled();
    tty.write(Buffer.from("\x01xzz"));
    expect(onEnd).toHaveBeenCalledTimes(1);
    typed.close();
    expect(got()).toBe("ls\rab\x03cd\x01");
    expect(tty.setRawMode).toHaveBeenLastCalledWith(false);
  });

  it("from a pipe: every byte passes unchanged, Ctrl-A x and Ctrl-C included, and nothing is said", () => {
    const pipe = new PassThrough() as unknown as NodeJS.ReadStream;
    const onEnd = vi.fn();
    const say = vi.fn();
    const typed = consoleInput(pipe, { onEnd, say });
    const got = collect(typed.stream);
    expect(typed.terminal).toBe(false);
    (pipe as unknown as PassThrough).write(Buffer.from("a\x03b\x01x\x01"));
    (pipe as unknown as PassThrough).write(Buffer.from("\x01h"));
    typed.close();
    expect(got()).toBe("a\x03b\x01x\x01\x01h");
    expect(onEnd).not.toHaveBeenCalled();
    expect(say).not.toHaveBeenCalled();
  });
});
