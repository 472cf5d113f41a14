/**
 * The benchmark's data, generated from a seed: the same seed and size give the same
 * contacts and events on every run and engine. Every value is a pure function of
 * (seed, contact, event), so the data streams in any order without being held in memory.
 */

/** A 32-bit mix of three integers (a murmur3 finalizer per step): cheap, and random-looking enough. */
export function mix(a: number, b: number, c: number): number {
  let h = Math.imul(0x9e3779b9 ^ a, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h ^ b, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h ^ c, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** mulberry32: a seeded stream of floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(items: readonly T[], h: number): T => items[h % items.length] as T;

const FIRST = ['Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Frances', 'Edsger', 'Radia', 'Tim', 'Hedy', 'John', 'Karen', 'Niklaus'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov', 'Thompson', 'Allen', 'Dijkstra', 'Perlman', 'Berners-Lee', 'Lamarr', 'Backus', 'Jones', 'Wirth'];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example', 'corp.example', 'post.example'];
const CITIES = ['Lisbon', 'Oslo', 'Nairobi', 'Lima', 'Osaka', 'Tunis', 'Quebec', 'Hanoi', 'Perth', 'Graz'];
const PLANS = ['free', 'starter', 'pro', 'enterprise'];
const EVENT_TYPES = ['processed', 'delivered', 'open', 'click', 'delivered', 'open', 'processed', 'click', 'bounce', 'open'] as const;
const SUBJECTS = ['Your weekly digest', 'Welcome aboard', 'Your invoice is ready', 'We miss you', 'New features this month', 'Last chance: spring sale', 'Security notice for your account', 'Your order has shipped'];
const CATEGORIES = ['newsletter', 'transactional', 'promo', 'onboarding', 'billing', 'product', 'winback'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17531; Pro)',
];

export const EVENTS_PER_CONTACT = 10;
export const LISTS_PER_CONTACT = 2;
/** Lists of the data set; each contact is on two of them. */
export const LIST_COUNT = 4;
/** Events begin a year before this instant (fixed, so the data does not depend on today). */
const EPOCH = Date.UTC(2026, 0, 1);
const YEAR_MS = 365 * 24 * 3600 * 1000;

export interface GeneratedContact {
  /** 1-based position in the data set. */
  n: number;
  email: string;
  uuid: string;
  firstName: string;
  lastName: string;
  phone: string;
  customFields: Record<string, string | number | boolean>;
  optInIp: string;
  createdAt: number;
  /** Two of the data set's lists, by position 0..LIST_COUNT-1. */
  lists: [number, number];
}

export interface GeneratedEvent {
  /** Position of the contact (1-based). */
  n: number;
  /** Position of the event in insertion order (0-based, across all contacts). */
  seq: number;
  type: (typeof EVENT_TYPES)[number];
  messageId: string;
  subject: string;
  categories: string[];
  ip: string;
  userAgent: string;
  url: string;
  occurredAt: number;
}

const hex = (h: number, len = 8): string => h.toString(16).padStart(8, '0').slice(0, len);

export function contactAt(seed: number, n: number): GeneratedContact {
  const h = mix(seed, n, 1);
  const first = pick(FIRST, h);
  const last = pick(LAST, h >>> 8);
  const u = [mix(seed, n, 2), mix(seed, n, 3), mix(seed, n, 4), mix(seed, n, 5)];
  const uuid = `${hex(u[0] as number)}-${hex(u[1] as number, 4)}-4${hex((u[1] as number) >>> 16, 3)}-${(8 + ((u[2] as number) % 4)).toString(16)}${hex((u[2] as number) >>> 4, 3)}-${hex(u[3] as number)}${hex(mix(seed, n, 6), 4)}`;
  const l1 = h % LIST_COUNT;
  return {
    n,
    email: emailAt(seed, n),
    uuid,
    firstName: first,
    lastName: last,
    phone: `+1555${String(mix(seed, n, 7) % 10_000_000).padStart(7, '0')}`,
    customFields: { plan: pick(PLANS, h >>> 4), city: pick(CITIES, h >>> 12), score: h % 1000, vip: (h & 64) === 0, member_since: `20${10 + (h % 16)}-0${1 + (h % 9)}-1${h % 10}` },
    optInIp: `10.${(h >>> 8) & 255}.${(h >>> 16) & 255}.${h & 255}`,
    createdAt: EPOCH - YEAR_MS - 1000 + n,
    lists: [l1, (l1 + 1 + ((h >>> 20) % (LIST_COUNT - 1))) % LIST_COUNT],
  };
}

/** The address of contact n: unique per n. */
export function emailAt(seed: number, n: number): string {
  const h = mix(seed, n, 1);
  return `${pick(FIRST, h).toLowerCase()}.${pick(LAST, h >>> 8).toLowerCase()}.${n}@${pick(DOMAINS, h >>> 16)}`;
}

const CAMPAIGNS = 500;
const CAMPAIGN_SUBJECTS = Array.from({ length: CAMPAIGNS }, (_, c) => `${pick(SUBJECTS, c)} #${c}`);
const CAMPAIGN_URLS = Array.from({ length: CAMPAIGNS }, (_, c) => `https://shop.example/c/${c}?utm_source=mail&utm_campaign=c${c}&r=`);
const CATEGORY_SETS = Array.from({ length: 64 }, (_, i) => ((i & 1) === 0 ? [pick(CATEGORIES, i >>> 1)] : [pick(CATEGORIES, i >>> 1), pick(CATEGORIES, (i >>> 1) + 3)]));

export function eventOf(seed: number, n: number, round: number, seq: number, total: number): GeneratedEvent {
  const h = mix(seed, n, 100 + round);
  const campaign = (round * 50 + (h % 50)) % CAMPAIGNS;
  return {
    n,
    seq,
    type: pick(EVENT_TYPES, round + (h % 3)),
    messageId: `<${h.toString(36)}.${n.toString(36)}.${round}@mta.example>`,
    subject: CAMPAIGN_SUBJECTS[campaign] as string,
    categories: CATEGORY_SETS[(h >>> 6) & 63] as string[],
    ip: `${(h >>> 24) | 1}.${(h >>> 16) & 255}.${(h >>> 8) & 255}.${(h & 255) | 1}`,
    userAgent: pick(AGENTS, h >>> 11),
    url: (CAMPAIGN_URLS[campaign] as string) + (h & 0xffffff).toString(36),
    // Time advances with insertion order, as activity arrives.
    occurredAt: EPOCH - YEAR_MS + Math.floor((seq / Math.max(1, total)) * YEAR_MS),
  };
}

/** Contacts a campaign reaches in a row before jumping elsewhere (see eventBatches). */
const BLOCK = 1000;

/**
 * Events in insertion order as in real use: ten rounds of activity (one campaign each),
 * every round reaching all contacts, so a contact's ten events are spread over the whole
 * insertion history instead of arriving together; on a heap table (PostgreSQL) they land
 * on ten different pages. Within a round, contacts come in runs of 1,000 consecutive ones
 * (an MTA works through a list segment by segment) with the runs in shuffled order.
 * Yields batches.
 */
export function* eventBatches(seed: number, contacts: number, batchSize: number): Generator<GeneratedEvent[]> {
  const total = contacts * EVENTS_PER_CONTACT;
  const blocks = Math.ceil(contacts / BLOCK);
  const order = new Int32Array(blocks);
  let seq = 0;
  let batch: GeneratedEvent[] = [];
  for (let round = 0; round < EVENTS_PER_CONTACT; round++) {
    for (let i = 0; i < blocks; i++) order[i] = i;
    const random = prng(mix(seed, round, 0xe7));
    for (let i = blocks - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    for (let b = 0; b < blocks; b++) {
      const first = (order[b] as number) * BLOCK + 1;
      const last = Math.min(contacts, first + BLOCK - 1);
      for (let n = first; n <= last; n++) {
        batch.push(eventOf(seed, n, round, seq++, total));
        if (batch.length === batchSize) {
          yield batch;
          batch = [];
        }
      }
    }
  }
  if (batch.length > 0) yield batch;
}

export function* contactBatches(seed: number, contacts: number, batchSize: number): Generator<GeneratedContact[]> {
  for (let start = 1; start <= contacts; start += batchSize) {
    const batch: GeneratedContact[] = [];
    for (let n = start; n < Math.min(contacts + 1, start + batchSize); n++) batch.push(contactAt(seed, n));
    yield batch;
  }
}

/** Positions (1-based) of `count` contacts spread evenly over the data set. */
export function spreadPositions(contacts: number, count: number, offset = 0): number[] {
  const k = Math.min(count, contacts);
  const step = contacts / k;
  return Array.from({ length: k }, (_, i) => 1 + ((Math.floor(i * step) + offset) % contacts));
}
