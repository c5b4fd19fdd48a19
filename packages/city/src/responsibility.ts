import type { CityPack, Department } from './types.js';

export interface CategoryOwners {
  /** The one department that leads (一门主责), or null when the pack names none. */
  lead: Department | null;
  /** Departments that assist (其他配合), lead excluded. */
  assist: Department[];
}

/**
 * Who answers for a category code. A small-class entry (`E.06.02`) wins over its large class
 * (`E.06`), so a pack can give a whole class to one department and carve out exceptions.
 *
 * @example
 * responsibleDepartments(pack, 'E.06.02') // lead 交警, assisting 城管, 邮政管理, 街道办
 */
export function responsibleDepartments(pack: CityPack, code: string): CategoryOwners {
  const large = code.slice(0, 4);
  let lead: Department | null = null;
  let leadExact = false;
  const assist = new Set<Department>();
  for (const d of pack.departments) {
    for (const r of d.responsibilities) {
      const exact = r.code === code;
      if (!exact && r.code !== large) continue;
      if (r.role === 'assist') assist.add(d);
      else if (!lead || (exact && !leadExact)) {
        lead = d;
        leadExact = exact;
      }
    }
  }
  if (lead) assist.delete(lead);
  return { lead, assist: [...assist] };
}
