/**
 * MQTT topic filters (MQTT 3.1.1 sec. 4.7): `+` matches one level, `#` (last) matches the rest,
 * the parent level included (`sport/#` matches `sport`). Wildcards at the first level do not match
 * topics that start with `$` (sec. 4.7.2). A shared subscription `$share/<group>/<filter>`
 * matches as its filter.
 */
export function topicMatches(filter: string, topic: string): boolean {
  const f = sharedFilter(filter).split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** The filter a shared subscription (`$share/group/filter`) matches with; others as they are. */
export function sharedFilter(filter: string): string {
  const m = /^\$share\/[^/+#]+\/(.+)$/.exec(filter);
  return m ? m[1]! : filter;
}

/** The levels a filter's `+` wildcards matched in `topic`, in order (for `fleet/+/gps`: the vehicle). */
export function wildcardLevels(filter: string, topic: string): string[] {
  const f = sharedFilter(filter).split('/');
  const t = topic.split('/');
  const out: string[] = [];
  f.forEach((level, i) => {
    if (level === '+' && t[i] !== undefined) out.push(t[i]!);
  });
  return out;
}
