/**
 * A binary min-heap of integer ids keyed by `keys[id]`, ties broken by the smaller id, in
 * preallocated typed arrays: the schedule simulation pushes and pops every task once per agent
 * count, so nothing is allocated per operation. A key may change only while its id is outside
 * the heap.
 */
export interface IndexHeap {
  push(id: number): void;
  /** The first id, removed; -1 when empty. */
  pop(): number;
  /** The first id, kept; -1 when empty. */
  peek(): number;
  size(): number;
  clear(): void;
}

/** An empty heap for ids below `capacity`, ordered by `keys` (read at every comparison). */
export function indexHeap(keys: Float64Array, capacity: number): IndexHeap {
  const items = new Int32Array(Math.max(1, capacity));
  let length = 0;
  const before = (a: number, b: number) => keys[a]! < keys[b]! || (keys[a] === keys[b] && a < b);
  return {
    push(id) {
      let i = length++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        const above = items[parent]!;
        if (!before(id, above)) break;
        items[i] = above;
        i = parent;
      }
      items[i] = id;
    },
    pop() {
      if (length === 0) return -1;
      const top = items[0]!;
      const last = items[--length]!;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= length) break;
        const right = left + 1;
        const child = right < length && before(items[right]!, items[left]!) ? right : left;
        if (!before(items[child]!, last)) break;
        items[i] = items[child]!;
        i = child;
      }
      if (length > 0) items[i] = last;
      return top;
    },
    peek: () => (length > 0 ? items[0]! : -1),
    size: () => length,
    clear() {
      length = 0;
    },
  };
}
