import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.tsx';

interface DialogProps {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
  /** Makes body and footer one form: Enter in a field submits it, as the footer's `type="submit"` button would. */
  onSubmit?: () => void;
}

const FIELD = 'input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])';

/**
 * Where focus starts: the control marked `data-autofocus`, else the first field of the body, else
 * the browser's choice (the close button). React's `autoFocus` cannot serve: it focuses while the
 * dialog is still closed, and `showModal()` then moves focus to the first button.
 */
function focusStart(dialog: HTMLDialogElement) {
  const start = dialog.querySelector<HTMLElement>('[data-autofocus]') ?? dialog.querySelector<HTMLElement>(`.dialog-body :is(${FIELD})`);
  start?.focus();
}

/** Gives focus back to what opened the dialog, unless the person has moved it somewhere else meanwhile. */
function returnFocus(dialog: HTMLDialogElement, opener: HTMLElement | null) {
  const active = document.activeElement;
  const lost = !active || active === document.body || dialog.contains(active);
  if (lost && opener?.isConnected) opener.focus();
}

/**
 * A modal built on <dialog>: the browser traps focus, Escape closes, focus starts in the first
 * field and returns to the opener, also when the dialog is unmounted rather than closed (most are
 * rendered only while open, which leaves the browser nothing to return focus from).
 */
export function Dialog({ open, title, onClose, children, footer, wide, onSubmit }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();
  const { t } = useI18n();
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (open && !el.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      el.showModal();
      focusStart(el);
    }
    if (!open && el.open) {
      el.close();
      returnFocus(el, opener.current);
    }
  }, [open]);
  useEffect(() => {
    const el = ref.current;
    return () => {
      if (el) returnFocus(el, opener.current);
    };
  }, []);
  const content = (
    <>
      <div className="dialog-body">{children}</div>
      {footer ? <footer className="dialog-footer">{footer}</footer> : null}
    </>
  );
  return (
    <dialog
      ref={ref}
      className={wide ? 'dialog dialog-wide' : 'dialog'}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      {open ? (
        <>
          <header className="dialog-header">
            <h2 id={titleId}>{title}</h2>
            <button type="button" className="btn-icon" aria-label={t('action.close')} onClick={onClose}>
              ×
            </button>
          </header>
          {onSubmit ? (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                onSubmit();
              }}
            >
              {content}
            </form>
          ) : (
            content
          )}
        </>
      ) : null}
    </dialog>
  );
}

interface ConfirmProps {
  open: boolean;
  title: string;
  message: string;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmDialog({ open, title, message, confirmLabel, danger, onConfirm, onCancel }: ConfirmProps) {
  const { t } = useI18n();
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onCancel}
      footer={
        <>
          <button type="button" className="btn" onClick={onCancel}>
            {t('action.cancel')}
          </button>
          <button type="button" className={danger ? 'btn btn-danger' : 'btn btn-primary'} onClick={onConfirm} data-autofocus>
            {confirmLabel}
          </button>
        </>
      }
    >
      <p>{message}</p>
    </Dialog>
  );
}
