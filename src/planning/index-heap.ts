/**
 * A binary heap of integer ids ordered by `before(a, b)` (true when `a` must come out first).
 * Plain closures over an array: the schedule simulation pushes and pops every task once per
 * agent count, so this stays allocation-free per operation.
 */
export interface IndexHeap {
  push(id: number): void;
  /** The first id, removed; -1 when empty. */
  pop(): number;
  /** The first id, kept; -1 when empty. */
  peek(): number;
  size(): number;
}

/** An empty heap ordered by `before`. */
export function indexHeap(before: (a: number, b: number) => boolean): IndexHeap {
  const items: number[] = [];
  const swap = (i: number, j: number) => {
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  };
  return {
    push(id) {
      items.push(id);
      let i = items.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!before(items[i]!, items[parent]!)) break;
        swap(i, parent);
        i = parent;
      }
    },
    pop() {
      if (items.length === 0) return -1;
      const top = items[0]!;
      const last = items.pop()!;
      if (items.length > 0) {
        items[0] = last;
        let i = 0;
        for (;;) {
          const left = 2 * i + 1;
          const right = left + 1;
          let first = i;
          if (left < items.length && before(items[left]!, items[first]!)) first = left;
          if (right < items.length && before(items[right]!, items[first]!)) first = right;
          if (first === i) break;
          swap(i, first);
          i = first;
        }
      }
      return top;
    },
    peek: () => (items.length > 0 ? items[0]! : -1),
    size: () => items.length,
  };
}
