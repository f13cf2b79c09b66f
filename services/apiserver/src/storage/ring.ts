/** A fixed-capacity ring of items in insertion order; the oldest is dropped when full. */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private size = 0;
  readonly capacity: number;

  constructor(capacity: number) {
    if (!(capacity > 0)) throw new Error(`ring capacity must be > 0, got ${capacity}`);
    this.capacity = capacity;
    this.items = new Array<T | undefined>(capacity);
  }

  /** Append; returns the dropped oldest item when the ring was full. */
  push(item: T): T | undefined {
    if (this.size < this.capacity) {
      this.items[(this.start + this.size) % this.capacity] = item;
      this.size++;
      return undefined;
    }
    const dropped = this.items[this.start];
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
    return dropped;
  }

  get length(): number {
    return this.size;
  }

  /** Items oldest first. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.size; i++) yield this.items[(this.start + i) % this.capacity] as T;
  }
}
