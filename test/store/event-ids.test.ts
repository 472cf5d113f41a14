import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventIdGenerator } from '../../src/store/event-ids.js';

describe('event ids', () => {
  it('increase and never repeat within a process, even past 2,048 in one millisecond', () => {
    let now = Date.UTC(2026, 0, 1);
    const ids = new EventIdGenerator(() => now, 2047);
    const seen: number[] = [];
    for (let i = 0; i < 5000; i++) seen.push(ids.next());
    now += 1; // the next millisecond's range was partly used already: still increasing
    seen.push(ids.next());
    for (let i = 1; i < seen.length; i++) assert.ok((seen[i] as number) > (seen[i - 1] as number));
    assert.equal(new Set(seen).size, seen.length);
  });

  it('keep increasing when the clock steps back', () => {
    let now = Date.UTC(2026, 0, 1);
    const ids = new EventIdGenerator(() => now, 0);
    const a = ids.next();
    now -= 60_000;
    assert.ok(ids.next() > a);
  });

  it('stay exact as JSON numbers for decades', () => {
    const ids = new EventIdGenerator(() => Date.UTC(2100, 0, 1), 2047);
    assert.ok(Number.isSafeInteger(ids.next()));
  });

  it('start at a per-process random counter', () => {
    const now = () => Date.UTC(2026, 0, 1);
    const starts = new Set(Array.from({ length: 20 }, () => new EventIdGenerator(now).next()));
    assert.ok(starts.size > 1);
  });
});
