/**
 * A wary read (libs/store/src/stream-reads.ts) at the moment a cut-off old leader's
 * network comes back: the guard's last round heard one leader, and now two answer.
 * Every answer is played by plain NATS clients on a nats-server without JetStream, so
 * who answers, with what and when is certain:
 * - "m1", the real leader, elected 2 s ago, not yet heard from m2: its answers come late;
 * - "m2", the old leader, back with its stale copy and no quorum: it answers at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { StoreUnavailableError } from "@flotilla/store";
import { LeaderGuard } from "../../libs/store/src/leader-guard.ts";
import { ReplyMux } from "../../libs/store/src/reply-mux.ts";
import { withDefaults } from "../../libs/store/src/options.ts";
import { bucketNames } from "../../libs/store/src/messages.ts";
import { leaderLastMessage, streamRange, type StoreContext } from "../../libs/store/src/stream-reads.ts";
import { startNatsServer, type NatsServerHandle } from "../support/nats.ts";
import { connectTo } from "../support/store-helpers.ts";

const encode = (v: unknown): string => JSON.stringify(v);
const names = bucketNames("wary");
const SUBJECT = `${names.subjectPrefix}configmaps.default.k`;
/** The real leader answers reads this late: past the 100 ms stall, within the 500 ms wait for a census's count. */
const REAL_DELAY_MS = 250;

const info = (leader: string, lastSeq: number, replicas: { name: string; active?: number }[]) => ({
  config: { name: names.stream, num_replicas: 3 },
  state: { first_seq: 1, last_seq: lastSeq },
  cluster: { leader, leader_since: new Date(Date.now() - 2000).toISOString(), replicas },
});
const message = (seq: number) => ({ message: { subject: SUBJECT, seq, data: Buffer.from(encode({ seq })).toString("base64"), time: new Date().toISOString() } });

describe("store: a wary read while an old leader comes back", () => {
  let server: NatsServerHandle;
  let nc: NatsConnection;
  let actors: NatsConnection;
  let mux: ReplyMux;
  let guard: LeaderGuard;
  let ctx: StoreContext;
  const subs: Subscription[] = [];
  const answer = (subject: string, body: () => unknown, delayMs = 0): Subscription => {
    const sub = actors.subscribe(subject, { callback: (_err, msg) => void setTimeout(() => msg.respond(encode(body())), delayMs) });
    subs.push(sub);
    return sub;
  };

  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false });
    nc = await connectTo(server.url);
    actors = await connectTo(server.url);
    mux = new ReplyMux(nc);
    // m1 alone: it has heard from m3 but not from m2 since its election (no `active` time).
    answer(`$JS.API.STREAM.INFO.${names.stream}`, () => info("m1", 9, [{ name: "m2" }, { name: "m3", active: 100e6 }]));
    await actors.flush();
    const config = withDefaults({ bucket: names.bucket, replicas: 3 });
    guard = new LeaderGuard(mux, names.stream, config);
    await guard.start();
    // No timed rounds after the first, only those a read asks for: the window between two rounds is the point.
    guard.stop();
    ctx = { nc, js: undefined as never, jsm: undefined as never, names, config, replies: mux, guard };
  });
  afterAll(async () => {
    for (const s of subs) s.unsubscribe();
    mux?.close();
    await actors?.close();
    await nc?.close();
    await server?.stop();
  });

  it("the guard is wary of a young leader that has not heard from a member since its election", () => {
    expect(guard.health).toBe("degraded");
    expect(guard.gather.minAnswers).toBe(1);
  });

  it("the old leader's quick answer does not win: the read waits for every claimant the census names", async () => {
    const real = answer(`$JS.API.STREAM.MSG.GET.${names.stream}`, () => message(9), REAL_DELAY_MS);
    answer(`$JS.API.STREAM.MSG.GET.${names.stream}`, () => message(5));
    answer(`$JS.API.STREAM.INFO.${names.stream}`, () => info("m2", 5, [{ name: "m1", active: 10e9 }, { name: "m3", active: 10e9 }]));
    await actors.flush();

    expect((await leaderLastMessage(ctx, SUBJECT, "get"))?.seq).toBe(9);
    expect(await streamRange(ctx, "currentRevision")).toEqual({ first: 1, last: 9 });

    // Without the real leader's answer the read is refused, not answered from the old copy.
    real.unsubscribe();
    await actors.flush();
    const refused = await leaderLastMessage(ctx, SUBJECT, "get").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StoreUnavailableError);
    expect((refused as Error).message).toMatch(/2 servers claim the stream's lead and only 1 answered/);
  });

  it("an old leader that answers the read but steps down before the census does not win either", async () => {
    for (const s of subs.splice(1)) s.unsubscribe(); // m1's stream info from beforeAll stays
    await actors.flush();
    await guard.check(); // the last round heard m1 alone: reads expect one answer
    expect(guard.gather.minAnswers).toBe(1);
    expect(guard.needsCensus).toBe(true);
    // m2 still leads when the read reaches it and answers from its stale copy; the new
    // term reaches it 10 ms after the census asked, before it answered that.
    let m2Leads = true;
    const m2 = (subject: string, onAsk: (msg: { respond(data: string): boolean }) => void): void => {
      subs.push(actors.subscribe(subject, { callback: (_err, msg) => onAsk(msg) }));
    };
    m2(`$JS.API.STREAM.MSG.GET.${names.stream}`, (msg) => void (m2Leads && msg.respond(encode(message(5)))));
    m2(`$JS.API.STREAM.INFO.${names.stream}`, (msg) => {
      setTimeout(() => (m2Leads = false), 10);
      setTimeout(() => void (m2Leads && msg.respond(encode(info("m2", 5, [{ name: "m1", active: 10e9 }, { name: "m3", active: 10e9 }])))), 20);
    });
    answer(`$JS.API.STREAM.MSG.GET.${names.stream}`, () => message(9), REAL_DELAY_MS);
    await actors.flush();

    expect((await leaderLastMessage(ctx, SUBJECT, "get"))?.seq).toBe(9);
  });
});
