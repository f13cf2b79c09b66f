import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { findScript, scriptArgs, shellQuote } from "./process-pty.ts";

describe("process runtime pty helpers", () => {
  it("quotes every word so the shell gives the command exactly its argv", () => {
    const argv = ["printf", "%s|", "it's", "$HOME", "a b", "`x`", "\\n", ""];
    const r = spawnSync("/bin/sh", ["-c", `${argv.map(shellQuote).join(" ")}`], { encoding: "utf8" });
    expect(r.stdout).toBe("it's|$HOME|a b|`x`|\\n||");
  });

  it("builds script arguments that run the command on a terminal and return its exit code", () => {
    // util-linux's script is in Debian's essential set: present wherever the kubelet runs.
    const script = findScript();
    expect(script).toBeDefined();
    const r = spawnSync(script!, scriptArgs(["sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo \"on a tty: $0\"; exit 7", "x y"]), { encoding: "utf8", env: { ...process.env, SHELL: "/bin/sh" }, input: "" });
    expect(r.stdout).toBe("on a tty: x y\r\n");
    expect(r.status).toBe(7);
  });

  it("gives the terminal its size before the command starts", () => {
    const r = spawnSync(findScript()!, scriptArgs(["stty", "size"], { cols: 100, rows: 30 }), { encoding: "utf8", env: { ...process.env, SHELL: "/bin/sh" }, input: "" });
    expect(r.stdout).toBe("30 100\r\n");
  });

  it("finds no script on a PATH without it", () => {
    expect(findScript("/nonexistent:/also-not")).toBeUndefined();
  });
});
