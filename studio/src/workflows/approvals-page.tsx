import { useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { workflowsApi, type Approval, type ApprovalDecision } from '../api/workflows.ts';
import { useI18n, type MessageKey } from '../i18n/i18n.tsx';
import { useAsync } from '../lib/use-async.ts';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';

/**
 * The approvals inbox, for every signed-in user: the requests they have a say in (an
 * administrator, every one of the workspace), each with its approvers and their decisions, and
 * for a request every approver must approve, how many it still waits for (ADR 0015).
 */
export default function ApprovalsPage(_: PageProps) {
  const { t } = useI18n();
  const approvals = useAsync(() => workflowsApi.approvals(), []);
  return (
    <div className="page">
      <header className="page-header">
        <h1>{t('approvals.title')}</h1>
      </header>
      {approvals.error ? <ErrorBox error={approvals.error} /> : null}
      {approvals.loading && !approvals.data ? <Loading /> : null}
      {approvals.data && approvals.data.length === 0 ? <p className="muted">{t('approvals.none')}</p> : null}
      <ul className="approval-list">
        {approvals.data?.map((approval) => (
          <ApprovalItem key={approval.id} approval={approval} onDecided={approvals.reload} />
        ))}
      </ul>
    </div>
  );
}

const decisionKey = (decision: ApprovalDecision['decision']) => `approvals.decision.${decision ?? 'awaited'}` as MessageKey;

function ApprovalItem({ approval, onDecided }: { approval: Approval; onDecided: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const decide = async (decision: 'approved' | 'rejected') => {
    setBusy(true);
    try {
      const result = await workflowsApi.decide(approval.id, decision);
      toast(result.status === 'pending' ? t('approvals.approvedWaiting') : t(decisionKey(result.status as ApprovalDecision['decision'])), 'success');
      onDecided();
    } catch (error) {
      toast(describeError(error, i18n), 'error');
    } finally {
      setBusy(false);
    }
  };
  const progress = approval.progress;
  return (
    <li className="card approval" aria-label={approval.message}>
      <h2>{approval.message}</h2>
      <p className="muted">
        {approval.workflow} · {i18n.formatDateTime(approval.createdAt)} · {t(approval.decisionMode === 'unanimous' ? 'approvals.mode.unanimous' : 'approvals.mode.first')}
      </p>
      {progress ? (
        <p className="approval-progress" data-testid="approval-progress">
          {t('approvals.waitingFor', { waiting: progress.waitingFor.length, required: progress.required })}
        </p>
      ) : null}
      <ul className="approval-deciders" aria-label={t('approvals.approvers')}>
        {approval.decisions.map((d) => (
          <li key={d.userId}>
            {d.name ?? d.userId}: <span className={`badge badge-${d.decision ?? 'awaited'}`}>{t(decisionKey(d.decision))}</span>
          </li>
        ))}
      </ul>
      {approval.mayDecide ? (
        <div className="approval-actions">
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void decide('approved')}>
            {t('approvals.approve')}
          </button>
          <button type="button" className="btn" disabled={busy} onClick={() => void decide('rejected')}>
            {t('approvals.reject')}
          </button>
        </div>
      ) : null}
    </li>
  );
}
