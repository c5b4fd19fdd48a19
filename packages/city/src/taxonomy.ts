import type { CategoryClass, SmallCategory, Taxonomy } from './types.js';

/**
 * The 部件/事件 taxonomy of the default pack. It follows the structure of Shanghai's 2022 grid
 * management standard (parts in 5 large classes, events in 10) and ships the small classes the
 * simulator, the hotspot rules and the recurring hotline problems (垃圾分类, 路灯, 扫雪, 停电, 井盖)
 * need. The numbering is cityops' own (`P.xx.yy` / `E.xx.yy`), not the standard's official codes,
 * so a pack for another city can bring its own table.
 */
function cls(code: string, name: string, nameEn: string, small: [string, string, string][]): CategoryClass {
  return {
    code,
    kind: code.startsWith('P') ? 'part' : 'event',
    name,
    nameEn,
    small: small.map(([c, n, e]): SmallCategory => ({ code: `${code}.${c}`, name: n, nameEn: e })),
  };
}

export const SHANGHAI_TAXONOMY: Taxonomy = {
  standard: 'Structure of the Shanghai urban grid management 部件/事件 classification (2022); cityops numbering',
  classes: [
    cls('P.01', '公用设施', 'Public utilities', [
      ['01', '上水井盖', 'Water supply manhole cover'],
      ['02', '污水井盖', 'Sewer manhole cover'],
      ['03', '雨水井盖', 'Storm drain cover'],
      ['04', '电力井盖', 'Power manhole cover'],
      ['05', '通信井盖', 'Telecom manhole cover'],
      ['06', '消防栓', 'Fire hydrant'],
      ['07', '电力设施', 'Power facility (substation box)'],
      ['08', '供水设施', 'Water supply facility'],
      ['09', '燃气设施', 'Gas facility'],
      ['10', '水位监测点', 'Water level gauge'],
    ]),
    cls('P.02', '道路交通', 'Road traffic', [
      ['01', '路灯', 'Street light'],
      ['02', '交通信号灯', 'Traffic signal'],
      ['03', '交通标志牌', 'Traffic sign'],
      ['04', '道路护栏', 'Guardrail'],
      ['05', '停车泊位', 'Parking bay'],
      ['06', '公交站亭', 'Bus shelter'],
      ['07', '人行天桥', 'Footbridge'],
      ['08', '电子监控', 'Traffic camera'],
      ['09', '装卸货区', 'Loading zone'],
      ['10', '交通流量检测器', 'Traffic speed detector'],
    ]),
    cls('P.03', '市容环境', 'City appearance', [
      ['01', '垃圾箱', 'Litter bin'],
      ['02', '公共厕所', 'Public toilet'],
      ['03', '垃圾房', 'Refuse room'],
      ['04', '户外广告牌', 'Billboard'],
      ['05', '空气质量监测站', 'Air quality station'],
      ['06', '噪声监测点', 'Noise monitor'],
    ]),
    cls('P.04', '园林绿化', 'Landscaping and greenery', [
      ['01', '行道树', 'Street tree'],
      ['02', '公共绿地', 'Public green space'],
      ['03', '花坛花箱', 'Flower bed'],
    ]),
    cls('P.05', '房屋土地', 'Buildings and land', [
      ['01', '优秀历史建筑', 'Heritage building'],
      ['02', '地下空间出入口', 'Underground space entrance'],
      ['03', '空置地块', 'Vacant lot'],
    ]),
    cls('E.01', '市容环境', 'City appearance', [
      ['01', '暴露垃圾', 'Exposed garbage'],
      ['02', '积存垃圾渣土', 'Accumulated waste and muck'],
      ['03', '乱堆物堆料', 'Piled goods and materials'],
      ['04', '道路不洁', 'Dirty road surface'],
      ['05', '垃圾分类不规范', 'Improper garbage sorting'],
      ['06', '乱张贴乱涂写', 'Illegal posting and graffiti'],
    ]),
    cls('E.02', '宣传广告', 'Publicity and advertising', [
      ['01', '非法小广告', 'Illegal flyers'],
      ['02', '违规户外广告', 'Unauthorised outdoor advertising'],
    ]),
    cls('E.03', '施工管理', 'Construction management', [
      ['01', '施工扰民', 'Construction nuisance'],
      ['02', '违规占掘路', 'Unauthorised road excavation'],
      ['03', '工地扬尘', 'Construction site dust'],
    ]),
    cls('E.04', '街面秩序', 'Street order', [
      ['01', '占道经营', 'Street vending on the roadway'],
      ['02', '无照经营游商', 'Unlicensed hawker'],
      ['03', '跨门营业', 'Shop spilling onto the pavement'],
      ['04', '露天烧烤', 'Open-air barbecue'],
      ['05', '快递包裹占道堆放', 'Parcels piled on the road'],
    ]),
    cls('E.05', '突发事件', 'Emergencies', [
      ['01', '道路积水', 'Road flooding'],
      ['02', '井盖缺失破损', 'Missing or broken manhole cover'],
      ['03', '路面塌陷', 'Road collapse'],
      ['04', '燃气泄漏', 'Gas leak'],
      ['05', '火灾', 'Fire'],
      ['06', '供水管道爆裂', 'Water main burst'],
      ['07', '停电', 'Power outage'],
      ['08', '道路积雪结冰', 'Snow and ice on roads'],
    ]),
    cls('E.06', '交通秩序', 'Traffic order', [
      ['01', '机动车违停', 'Illegal parking'],
      ['02', '快递车辆占道卸货', 'Delivery vehicle blocking the road'],
      ['03', '非机动车乱停放', 'Disorderly bicycle parking'],
      ['04', '道路拥堵', 'Traffic congestion'],
      ['05', '信号灯故障', 'Traffic signal fault'],
    ]),
    cls('E.07', '环境保护', 'Environmental protection', [
      ['01', '噪声扰民', 'Noise nuisance'],
      ['02', '大气污染', 'Air pollution'],
      ['03', '餐饮油烟', 'Cooking fumes'],
      ['04', '水体污染', 'Water pollution'],
    ]),
    cls('E.08', '设施管理', 'Facility upkeep', [
      ['01', '路灯不亮', 'Street light out'],
      ['02', '公共设施损坏', 'Damaged public facility'],
      ['03', '消防通道占用', 'Blocked fire lane'],
    ]),
    cls('E.09', '小区管理', 'Residential estate management', [
      ['01', '群租', 'Illegal group renting'],
      ['02', '违法搭建', 'Illegal construction'],
      ['03', '物业服务纠纷', 'Property management dispute'],
    ]),
    cls('E.10', '其他事件', 'Other events', [['01', '其他', 'Other']]),
  ],
};

export interface CategoryInfo {
  code: string;
  kind: 'part' | 'event';
  level: 'large' | 'small';
  name: string;
  nameEn: string;
  /** The large class code for a small class; the code itself for a large class. */
  largeCode: string;
}

/**
 * A lookup of every large and small class by code, for ingest's category check and for labels.
 *
 * @example
 * const cats = categoryIndex(pack.taxonomy);
 * cats.get('E.06.02')?.name // '快递车辆占道卸货'
 */
export function categoryIndex(taxonomy: Taxonomy): ReadonlyMap<string, CategoryInfo> {
  const map = new Map<string, CategoryInfo>();
  for (const c of taxonomy.classes) {
    map.set(c.code, { code: c.code, kind: c.kind, level: 'large', name: c.name, nameEn: c.nameEn, largeCode: c.code });
    for (const s of c.small) {
      map.set(s.code, {
        code: s.code,
        kind: c.kind,
        level: 'small',
        name: s.name,
        nameEn: s.nameEn,
        largeCode: c.code,
      });
    }
  }
  return map;
}

/** All small-class codes of a taxonomy, in table order. */
export function smallCategoryCodes(taxonomy: Taxonomy): string[] {
  return taxonomy.classes.flatMap((c) => c.small.map((s) => s.code));
}
