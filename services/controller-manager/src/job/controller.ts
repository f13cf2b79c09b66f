/** Placeholder: the JobController is being written (controllers issue). */
import type { ApiClient, EventRecorder } from "@flotilla/bus";
import type { Logger } from "@flotilla/log";
import type { SharedInformers } from "../informers.ts";

export class JobController {
  constructor(_deps: { client: ApiClient; log: Logger; events: EventRecorder; informers: SharedInformers }) {}

  run(_signal: AbortSignal): Promise<void> {
    return Promise.resolve();
  }
}
