import type { Department, Responsibility } from './types.js';

const lead = (...codes: string[]): Responsibility[] => codes.map((code) => ({ code, role: 'lead' as const }));
const assist = (...codes: string[]): Responsibility[] => codes.map((code) => ({ code, role: 'assist' as const }));

/**
 * The departments of the default pack and what each answers for (一门主责、其他配合): exactly one lead
 * per category, any number of assisting departments. A large-class code (`E.01`) stands for all of
 * its small classes; a small-class entry overrides it. The street office (街道办) leads on what has no
 * specialist owner and assists on everything that happens on its streets, which is how a whistle
 * (吹哨) reaches it.
 */
export const SHANGHAI_DEPARTMENTS: Department[] = [
  {
    id: 'dept-chengguan',
    name: '城管执法',
    nameEn: 'City Management and Law Enforcement',
    scope: { level: 'district' },
    onSiteMinutes: 30,
    responsibilities: [
      ...lead(
        'E.01.03',
        'E.02',
        'E.03.01',
        'E.03.02',
        'E.04.01',
        'E.04.02',
        'E.04.03',
        'E.04.04',
        'E.04.05',
        'E.07.03',
        'E.09.02',
      ),
      ...assist('E.01.01', 'E.01.05', 'E.06.02', 'E.06.03'),
    ],
  },
  {
    id: 'dept-police',
    name: '公安',
    nameEn: 'Public Security Police',
    scope: { level: 'district' },
    onSiteMinutes: 15,
    responsibilities: [...lead('E.07.01'), ...assist('E.05.04', 'E.05.05', 'E.09.01', 'E.04.02')],
  },
  {
    id: 'dept-traffic-police',
    name: '交警',
    nameEn: 'Traffic Police',
    scope: { level: 'district' },
    onSiteMinutes: 15,
    responsibilities: [
      ...lead('E.06.01', 'E.06.02', 'E.06.03', 'E.06.04'),
      ...assist('E.06.05', 'E.05.01', 'E.05.03', 'E.04.05'),
    ],
  },
  {
    id: 'dept-market',
    name: '市场监管',
    nameEn: 'Market Supervision',
    scope: { level: 'district' },
    responsibilities: [...assist('E.04.01', 'E.04.03', 'E.04.04', 'E.07.03')],
  },
  {
    id: 'dept-postal',
    name: '邮政管理',
    nameEn: 'Postal Administration (express delivery)',
    scope: { level: 'city' },
    // The Putuo case: delivery companies are brought in through their regulator.
    responsibilities: [...assist('E.06.02', 'E.04.05')],
  },
  {
    id: 'dept-water',
    name: '水务',
    nameEn: 'Water Authority',
    scope: { level: 'district' },
    onSiteMinutes: 30,
    responsibilities: [...lead('E.05.01', 'E.05.06', 'E.07.04', 'P.01.01', 'P.01.02', 'P.01.03', 'P.01.08', 'P.01.10')],
  },
  {
    id: 'dept-sanitation',
    name: '环卫',
    nameEn: 'Sanitation',
    scope: { level: 'district' },
    responsibilities: [
      ...lead('E.01.01', 'E.01.02', 'E.01.04', 'E.01.05', 'E.01.06', 'E.05.08', 'P.03.01', 'P.03.02', 'P.03.03'),
      ...assist('E.04.05'),
    ],
  },
  {
    id: 'dept-power',
    name: '电力',
    nameEn: 'Power Utility',
    scope: { level: 'city' },
    onSiteMinutes: 30,
    responsibilities: [...lead('E.05.07', 'P.01.04', 'P.01.07'), ...assist('E.08.01')],
  },
  {
    id: 'dept-roads',
    name: '道路管理',
    nameEn: 'Roads and Street Lighting',
    scope: { level: 'district' },
    responsibilities: [
      ...lead('P.02', 'E.05.02', 'E.05.03', 'E.06.05', 'E.08.01', 'E.08.02'),
      ...assist('E.05.08', 'E.03.02'),
    ],
  },
  {
    id: 'dept-ecology',
    name: '生态环境',
    nameEn: 'Ecology and Environment',
    scope: { level: 'district' },
    responsibilities: [...lead('E.07.02', 'E.03.03', 'P.03.05', 'P.03.06'), ...assist('E.07.01', 'E.07.03', 'E.07.04')],
  },
  {
    id: 'dept-greenery',
    name: '绿化市容',
    nameEn: 'Landscaping and City Appearance',
    scope: { level: 'district' },
    responsibilities: [...lead('P.04', 'P.03.04'), ...assist('E.02.02')],
  },
  {
    id: 'dept-housing',
    name: '房屋管理',
    nameEn: 'Housing Administration',
    scope: { level: 'district' },
    responsibilities: [...lead('E.09.01', 'E.09.03', 'P.05'), ...assist('E.09.02')],
  },
  {
    id: 'dept-fire',
    name: '消防救援',
    nameEn: 'Fire and Rescue',
    scope: { level: 'city' },
    onSiteMinutes: 10,
    responsibilities: [...lead('E.05.05', 'E.08.03', 'P.01.06')],
  },
  {
    id: 'dept-gas',
    name: '燃气',
    nameEn: 'Gas Utility',
    scope: { level: 'city' },
    onSiteMinutes: 30,
    responsibilities: [...lead('E.05.04', 'P.01.09')],
  },
  {
    id: 'dept-telecom',
    name: '通信运营',
    nameEn: 'Telecom Operators',
    scope: { level: 'city' },
    responsibilities: [...lead('P.01.05')],
  },
  {
    id: 'dept-street-office',
    name: '街道办事处',
    nameEn: 'Street / Town Office',
    scope: { level: 'street' },
    responsibilities: [
      ...lead('E.10'),
      ...assist('E.01', 'E.02', 'E.03', 'E.04', 'E.05', 'E.06', 'E.07', 'E.08', 'E.09'),
    ],
  },
];
