import type { ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.tsx';

export interface DataTableProps {
  /** The table's accessible name. */
  label: string;
  /** Column headings, in order. */
  columns: ReactNode[];
  /** A last column for row buttons: no visible heading, named for screen readers. */
  actions?: boolean;
  compact?: boolean;
  busy?: boolean;
  /** The body rows (`<tr>`s). */
  children: ReactNode;
}

/** The Setup and recycle-bin table: a labelled grid with column headings and the rows given. */
export function DataTable({ label, columns, actions = false, compact = false, busy, children }: DataTableProps) {
  const { t } = useI18n();
  return (
    <table className={compact ? 'grid compact' : 'grid'} aria-label={label} aria-busy={busy}>
      <thead>
        <tr>
          {columns.map((heading, i) => (
            <th key={i} scope="col">
              {heading}
            </th>
          ))}
          {actions ? (
            <th scope="col">
              <span className="sr-only">{t('common.actions')}</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
