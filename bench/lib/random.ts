/** mulberry32: a small seeded PRNG, so that every run sends the same request sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random element of `items`. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

const WORDS = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut ' +
  'labore et dolore magna aliqua microblog post today coffee train morning evening 🎉 shipping ' +
  'release database index cursor page benchmark nest express sqlite hello world'
).split(' ');

/** A post body of 3-16 words, well within 140 characters. */
export function randomBody(random: () => number): string {
  const count = 3 + Math.floor(random() * 14);
  return Array.from({ length: count }, () => pick(random, WORDS)).join(' ');
}
