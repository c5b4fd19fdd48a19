interface PanelTitleProps {
  zh: string;
  en: string;
  /** right-aligned note, e.g. the window a figure covers */
  note?: string;
}

export function PanelTitle({ zh, en, note }: PanelTitleProps) {
  return (
    <h2 className="panel-title">
      <span className="zh">{zh}</span>
      <span className="en">{en}</span>
      {note ? <span className="note">{note}</span> : null}
    </h2>
  );
}
