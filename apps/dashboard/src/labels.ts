/** Bilingual labels: Chinese first, English secondary, one vocabulary with the data. */
export interface Label {
  zh: string;
  en: string;
}

export const TYPE_LABELS: Record<string, Label> = {
  'hotline.ticket': { zh: '12345热线工单', en: 'Hotline tickets' },
  'sensor.reading': { zh: '感知设备读数', en: 'Sensor readings' },
  'delivery.vehicle': { zh: '快递车辆事件', en: 'Delivery vehicles' },
};

export function typeLabel(type: string): Label {
  return TYPE_LABELS[type] ?? { zh: type, en: type };
}
