import { describe, expect, it } from 'vitest';
import { AckQueue } from './acks.js';

describe('AckQueue: PUBACKs after settle, in arrival order', () => {
  it('holds a PUBACK until its message is settled, and releases in the order the messages came', () => {
    const q = new AckQueue(10);
    const sent: number[] = [];
    const a = q.receive(1);
    const b = q.receive(2);
    const c = q.receive(3);
    for (const id of [1, 2, 3]) {
      expect(q.holds(id)).toBe(true);
      q.defer(id, () => sent.push(id));
    }
    q.settle(b);
    q.settle(c);
    expect(sent).toEqual([]); // 1 is not settled: 2 and 3 wait behind it
    q.settle(a);
    expect(sent).toEqual([1, 2, 3]);
    expect(q.held).toBe(0);
  });

  it('drops what it holds when the connection closes; a late settle of the old connection sends nothing', () => {
    const q = new AckQueue(10);
    const sent: number[] = [];
    const a = q.receive(7);
    q.defer(7, () => sent.push(7));
    q.reset();
    q.settle(a);
    expect(sent).toEqual([]);
    // the redelivery on the new connection, same message id
    const again = q.receive(7);
    q.defer(7, () => sent.push(70));
    q.settle(again);
    expect(sent).toEqual([70]);
  });

  it('says when reading must wait: maxUnsettled messages in the host', async () => {
    const q = new AckQueue(2);
    const a = q.receive(1);
    expect(q.whenRoom()).toBeUndefined();
    q.receive(2);
    const room = q.whenRoom();
    expect(room).toBeInstanceOf(Promise);
    let opened = false;
    void room!.then(() => (opened = true));
    await Promise.resolve();
    expect(opened).toBe(false);
    q.settle(a);
    await room;
    expect(opened).toBe(true);
  });

  it('sends a PUBACK it does not hold at once (a QoS 1 message it never saw)', () => {
    const q = new AckQueue(2);
    const sent: number[] = [];
    expect(q.holds(9)).toBe(false);
    q.defer(9, () => sent.push(9));
    expect(sent).toEqual([9]);
  });
});
