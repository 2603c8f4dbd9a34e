import { useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import type { ObjectDef } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { Link, useLocation } from '../lib/router.tsx';

/**
 * The top bar's objects: as many as fit in its width, in their order, and the rest under "More"
 * (a disclosure of links), so no object is ever cut off or pushed out of reach, whatever the
 * number of objects, the length of their labels in the language shown, or the window's width.
 * Widths are measured on a hidden copy of every link, before paint and on every resize.
 */
export function ObjectNav({ objects, activeObject }: { objects: readonly ObjectDef[]; activeObject: string | undefined }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { pathname } = useLocation();
  const navRef = useRef<HTMLElement>(null);
  const measureRef = useRef<HTMLDivElement>(null);
  const [fitting, setFitting] = useState(objects.length);
  const [open, setOpen] = useState(false);
  const moreRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuId = useId();
  const labels = objects.map((o) => i18n.objectLabel(o, 'plural'));

  useLayoutEffect(() => {
    const nav = navRef.current;
    const measure = measureRef.current;
    if (!nav || !measure) return;
    const fit = () => {
      const widths = [...measure.children].map((child) => (child as HTMLElement).getBoundingClientRect().width);
      const moreWidth = widths.pop() ?? 0;
      const available = nav.clientWidth;
      if (widths.reduce((sum, w) => sum + w, 0) <= available) return setFitting(widths.length);
      let used = moreWidth;
      let count = 0;
      while (count < widths.length && used + widths[count]! <= available) used += widths[count++]!;
      setFitting(count);
    };
    fit();
    const observer = new ResizeObserver(fit);
    observer.observe(nav);
    return () => observer.disconnect();
  }, [labels.join('\n')]);

  // Closed on leaving the page, on Escape (focus back on the button) and on a click elsewhere.
  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      buttonRef.current?.focus();
    };
    const onPointer = (e: PointerEvent) => {
      if (!moreRef.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  const shown = objects.slice(0, fitting);
  const rest = objects.slice(fitting);
  const link = (o: ObjectDef) => (
    <Link key={o.id} to={`/o/${o.apiName}`} className="nav-link" aria-current={activeObject === o.apiName ? 'page' : undefined}>
      {labels[objects.indexOf(o)]}
    </Link>
  );
  return (
    <nav ref={navRef} className="object-nav" aria-label={t('shell.objectNav')}>
      {shown.map(link)}
      {rest.length ? (
        <div ref={moreRef} className="nav-more">
          <button
            ref={buttonRef}
            type="button"
            className="nav-link nav-more-button"
            aria-expanded={open}
            aria-controls={menuId}
            data-current={rest.some((o) => o.apiName === activeObject) ? 'true' : undefined}
            onClick={() => setOpen((o) => !o)}
          >
            {t('shell.more')} ▾
          </button>
          {open ? (
            <ul id={menuId} className="nav-more-list">
              {rest.map((o) => (
                <li key={o.id}>{link(o)}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <div ref={measureRef} className="object-nav-measure" aria-hidden="true">
        {labels.map((label, i) => (
          <span key={objects[i]!.id} className="nav-link">
            {label}
          </span>
        ))}
        <span className="nav-link">{t('shell.more')} ▾</span>
      </div>
    </nav>
  );
}
