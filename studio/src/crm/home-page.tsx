import { useEffect } from 'react';
import { useSession } from '../app/session.tsx';
import { navigate } from '../lib/router.tsx';
import { navObjects } from '../lib/model.ts';
import { useI18n } from '../i18n/i18n.tsx';

/** The CRM opens on the first object of the navigation. */
export default function HomePage() {
  const { snapshot } = useSession();
  const { t } = useI18n();
  const first = navObjects(snapshot)[0];
  useEffect(() => {
    if (first) navigate(`/o/${first.apiName}`, { replace: true });
  }, [first]);
  return (
    <div className="page">
      <p className="empty-state">{first ? t('common.loading') : t('home.noObjects')}</p>
    </div>
  );
}
