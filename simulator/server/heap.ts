/**
 * A binary min-heap of timed events: the server's agenda (job ends,
 * walltime kills, start times, history purges). Ties break by insertion.
 * @module
 */

export interface TimedEvent {
  at: number;
  seq: number;
}

export class EventHeap<E extends TimedEvent> {
  #items: E[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): E | undefined {
    return this.#items[0];
  }

  push(e: E): void {
    const a = this.#items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i], a[p])) break;
      swap(a, i, p);
      i = p;
    }
  }

  pop(): E | undefined {
    const a = this.#items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && before(a[l], a[m])) m = l;
        if (r < a.length && before(a[r], a[m])) m = r;
        if (m === i) break;
        swap(a, i, m);
        i = m;
      }
    }
    return top;
  }

  /** Every event, in no particular order (snapshots). */
  items(): readonly E[] {
    return this.#items;
  }
}

/** A swap without the array a destructuring swap may allocate (millions per large run). */
function swap<E>(a: E[], i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

function before(a: TimedEvent, b: TimedEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
