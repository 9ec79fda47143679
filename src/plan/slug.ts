import { ID_PATTERN } from '../core/types.js';

const MAX_ID = 63;

/**
 * A valid milestone id (`ID_PATTERN`) from a title: lowercase ASCII words joined by `-`, at
 * most 63 characters, cut at a word boundary when possible. A title with no ASCII letters or
 * digits (e.g. only CJK) gets `milestone-<hash>` so different titles still get different ids.
 */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  let cut = slug;
  if (slug.length > MAX_ID) {
    const head = slug.slice(0, MAX_ID + 1);
    const boundary = head.lastIndexOf('-');
    cut = (boundary >= MAX_ID / 2 ? head.slice(0, boundary) : head.slice(0, MAX_ID)).replace(/-+$/, '');
  }
  return ID_PATTERN.test(cut) ? cut : `milestone-${fnv1a(title)}`;
}

/** 32-bit FNV-1a as 8 hex digits: stable, dependency-free, good enough to tell titles apart. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
