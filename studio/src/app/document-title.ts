import { useEffect } from 'react';

const PRODUCT = 'Protean';

/**
 * The title of the page shown in `root`: its heading, then what it is (`data-title-context` on the
 * heading: a record page says which object), then the product, as "Mei Chen | Patient | Protean".
 */
export function titleOf(root: ParentNode): string {
  const heading = root.querySelector('h1');
  const parts = [heading?.textContent?.trim(), heading?.getAttribute('data-title-context')?.trim(), PRODUCT];
  return parts.filter(Boolean).join(' | ');
}

/**
 * Keeps the browser tab's title on the page's heading. Every page already names itself in its h1,
 * in the reader's language and the workspace's words, so following the heading gives each page,
 * renamed term and language switch the right title without each page setting one.
 */
export function useDocumentTitle(): void {
  useEffect(() => {
    const root = document.getElementById('root');
    if (!root) return;
    let frame = 0;
    const update = () => {
      frame = 0;
      const title = titleOf(root);
      if (document.title !== title) document.title = title;
    };
    const observer = new MutationObserver(() => {
      if (!frame) frame = requestAnimationFrame(update);
    });
    observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-title-context'] });
    update();
    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame);
    };
  }, []);
}
