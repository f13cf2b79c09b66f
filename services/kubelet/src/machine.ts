/** Facts about this machine for the Node object (Linux files, with fallbacks). */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { availableParallelism, networkInterfaces, release, totalmem } from "node:os";
import type { MachineInfo } from "./node-object.ts";

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

function osImage(): string {
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(read("/etc/os-release") ?? "");
  return pretty?.[1] ?? "Linux";
}

export function machineInfo(): MachineInfo {
  return {
    cpus: availableParallelism(),
    memoryBytes: totalmem(),
    arch: process.arch,
    kernelVersion: release(),
    osImage: osImage(),
    machineId: read("/etc/machine-id") ?? randomUUID().replaceAll("-", ""),
    bootId: read("/proc/sys/kernel/random/boot_id") ?? randomUUID(),
  };
}

/** The first non-internal IPv4 address, else loopback (a one-machine cluster). */
export function detectNodeIp(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}
