/**
 * The bus codec against the alternative, side by side in one process: msgpackr (as
 * libs/bus configures it) and V8's JSON, encoding and decoding a stored Pod with its
 * managedFields and the same Pod without them (what controllers, the scheduler and
 * kubelets ask for). Microseconds per object, median of interleaved rounds.
 *
 *   node bench/codec.bench.ts [--objects 20000] [--rounds 7]
 */
import { parseArgs } from "node:util";
import { recordUpdate, type KubeObject } from "@flotilla/api";
import { decode, encode } from "@flotilla/bus";
import { benchPod } from "./lib/pod.ts";
import { environmentLine } from "./lib/env.ts";
import { summarize, table } from "./lib/stats.ts";

const { values: flags } = parseArgs({ options: { objects: { type: "string", default: "20000" }, rounds: { type: "string", default: "7" } } });
const objects = Number(flags.objects);
const rounds = Number(flags.rounds);

const utf8 = new TextDecoder();

const full = recordUpdate({ old: undefined, next: structuredClone(benchPod("web-7d4b9c6f8-x2x9z")), manager: "kube-controller-manager", kind: { group: "", kind: "Pod" }, now: "2026-11-22T12:00:00Z" });
const { managedFields: _omitted, ...leanMeta } = full.metadata;
const lean: KubeObject = { ...full, metadata: leanMeta };

interface Codec {
  name: string;
  encode(o: unknown): Uint8Array;
  decode(b: Uint8Array): unknown;
}
const codecs: Codec[] = [
  { name: "msgpackr (bus codec)", encode: (o) => encode(o), decode: (b) => decode(b) },
  { name: "JSON text", encode: (o) => Buffer.from(JSON.stringify(o)), decode: (b) => JSON.parse(utf8.decode(b)) },
];

/** µs per object for one round; fresh copies each round, as each watch event is a new object. */
function round(codec: Codec, obj: KubeObject): { enc: number; dec: number; bytes: number } {
  const copies = Array.from({ length: objects }, () => structuredClone(obj));
  let t = performance.now();
  const packed = copies.map((o) => codec.encode(o));
  const enc = ((performance.now() - t) * 1000) / objects;
  t = performance.now();
  for (const b of packed) codec.decode(b);
  const dec = ((performance.now() - t) * 1000) / objects;
  return { enc, dec, bytes: packed[0]!.length };
}

process.stdout.write(`${environmentLine()}\n\nEncode and decode one Pod, µs per object (median of ${rounds} rounds of ${objects})\n\n`);
const rows: string[][] = [];
for (const [label, obj] of [["with managedFields", full], ["without managedFields", lean]] as const) {
  const results = new Map<string, { enc: number[]; dec: number[]; bytes: number }>(codecs.map((c) => [c.name, { enc: [], dec: [], bytes: 0 }]));
  // Interleaved rounds: a noisy second hits every codec alike.
  for (let r = 0; r < rounds; r++) {
    for (const c of codecs) {
      const one = round(c, obj);
      const acc = results.get(c.name)!;
      acc.enc.push(one.enc);
      acc.dec.push(one.dec);
      acc.bytes = one.bytes;
    }
  }
  for (const c of codecs) {
    const acc = results.get(c.name)!;
    rows.push([label, c.name, String(acc.bytes), summarize(acc.enc).p50.toFixed(1), summarize(acc.dec).p50.toFixed(1)]);
  }
}
process.stdout.write(`${table(["pod", "codec", "bytes", "encode µs", "decode µs"], rows)}\n`);
