/**
 * The event bus: every stored transition, published once, in event-id order.
 * Subscribing from an event id replays the store first, then goes live, with
 * nothing missed and nothing repeated in between.
 * @module
 */

import type { JobStore } from "./store/store.ts";
import type { TransitionRecord } from "./store/types.ts";

export type EventListener = (event: TransitionRecord) => void;

export class EventBus {
  #listeners = new Set<EventListener>();

  get subscriberCount(): number {
    return this.#listeners.size;
  }

  publish(event: TransitionRecord): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        // one broken subscriber must not stop the others
      }
    }
  }

  /** Live events only. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/**
 * Delivers every event with id > `after` to `listener`: stored ones in pages
 * (yielding between pages so a long backlog does not stall the agent), then
 * live ones. Live events arriving during the replay are held and de-duplicated
 * by id. A store that cannot be read (a damaged page) ends the subscription
 * and is handed to `onError`, never left as an unhandled rejection. Returns
 * the unsubscribe function.
 */
export function subscribeFrom(
  bus: EventBus,
  store: JobStore,
  after: number,
  listener: EventListener,
  pageSize = 500,
  onError: (err: unknown) => void = () => {},
): () => void {
  let last = after;
  let replaying = true;
  let closed = false;
  const held: TransitionRecord[] = [];
  const deliver = (e: TransitionRecord) => {
    if (e.eventId <= last || closed) return;
    last = e.eventId;
    listener(e);
  };
  const unsubscribe = bus.subscribe((e) => (replaying ? held.push(e) : deliver(e)));
  const replay = async () => {
    for (;;) {
      if (closed) return;
      const page = store.eventsAfter(last, pageSize);
      page.forEach(deliver);
      if (page.length < pageSize) break;
      await new Promise((r) => setTimeout(r, 0));
    }
    replaying = false;
    held.splice(0).forEach(deliver);
  };
  const close = () => {
    closed = true;
    unsubscribe();
  };
  replay().catch((err) => {
    close();
    onError(err);
  });
  return close;
}
