import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { LocaleSchema } from '../metadata/words.ts';
import { AccessService } from '../access/access-service.ts';
import { setupOf } from '../auth/principal.ts';
import type { AuthService } from '../auth/auth-service.ts';
import type { Principal, Role } from '../auth/principal.ts';
import type { Database } from '../db/database.ts';
import { conflict, notFound, ProblemError, validationError } from '../errors/problems.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import type { Mailer } from '../workflows/mailer.ts';
import { inviteMail } from './invite-mail.ts';

// The role is a profile key of the workspace (admin, standard, read_only or its own, ADR 0012).
const NewInvite = Type.Object(
  {
    role: Type.String({ minLength: 1, maxLength: 100 }),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 })),
    /** Send the link to `email` as well (needs outgoing mail, PROTEAN_SMTP_URL). */
    send: Type.Optional(Type.Boolean()),
    /** The invitee's language for that email; the inviter's own when absent. */
    locale: Type.Optional(LocaleSchema),
  },
  { additionalProperties: false },
);
const IdParam = Type.Object({ id: Type.String({ format: 'uuid' }) });
const TokenParam = Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }) });
const Accept = Type.Object(
  {
    token: Type.String({ minLength: 10, maxLength: 200 }),
    name: Type.String({ minLength: 1, maxLength: 120 }),
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 10, maxLength: 1024 }),
    locale: Type.Optional(LocaleSchema),
  },
  { additionalProperties: false },
);

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

interface InviteRow {
  tenant_id: string;
  id: string;
  role: string;
  email: string | null;
  created_by: string | null;
  created_at: Date | string;
  expires_at: Date | string;
  accepted_at: Date | string | null;
  accepted_user_id: string | null;
  revoked_at: Date | string | null;
}

/** An open invitation as its link finds it, with its inviter when still active (read in the same statement). */
type OpenInvite = InviteRow & { slug: string; tenant_name: string; role_name: string | null; inviter: { id: string; name: string; role: string; locale: string } | null };

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const view = (r: InviteRow) => ({
  id: r.id,
  role: r.role,
  email: r.email,
  createdBy: r.created_by,
  createdAt: iso(r.created_at),
  expiresAt: iso(r.expires_at),
  acceptedAt: iso(r.accepted_at),
  acceptedUserId: r.accepted_user_id,
  revokedAt: iso(r.revoked_at),
});

/** The taken emails a link may be tried with before it is revoked. */
const TAKEN_EMAIL_TRIES = 3;

/** The refusal of an email another user of the workspace has. */
const isTakenEmail = (error: unknown): boolean =>
  error instanceof ProblemError && error.status === 409 && (error.errors ?? []).some((e) => e.field === 'email' && e.code === 'unique');

export interface InviteMailOptions {
  mailer: Mailer;
  metadata: MetadataService;
  /** Where links in mail point (PROTEAN_PUBLIC_URL); else the origin the inviter's request came to. */
  publicUrl: string | undefined;
}

/**
 * Invitation links: an admin picks the role (and optionally the email) and gets a link, shown
 * once; whoever opens it before it expires names themselves, sets a password and joins with
 * that role. A link works once. Only the token's SHA-256 is stored. With outgoing mail, the
 * link can also be sent to the email, in the invitee's language and the workspace's words; it
 * is sent once the invitation is stored, and a mail server's refusal removes the invitation
 * again, so no link exists that no one received.
 */
export async function inviteRoutes(app: FastifyInstance, options: { db: Database; auth: AuthService; mail: InviteMailOptions }): Promise<void> {
  const { db, auth, mail } = options;

  /** What the invite form may offer: sending by email only when outgoing mail is configured. */
  app.get('/invites/delivery', async (request) => {
    await setupOf(request, 'users');
    return { email: mail.mailer.configured };
  });

  app.get('/invites', async (request) => {
    const p = await setupOf(request, 'users');
    const rows = await db.withTenant(p.tenantId, (q) => q.query<InviteRow>('select * from user_invite where tenant_id = $1 order by created_at desc limit 200', [p.tenantId]));
    return rows.map(view);
  });

  app.post('/invites', { schema: { body: NewInvite } }, async (request, reply) => {
    const p = await setupOf(request, 'users');
    const body = request.body as Static<typeof NewInvite>;
    await request.server.access.requireGrantable(p, body.role);
    if (body.send && !body.email) throw validationError('Sending an invitation needs an email', [{ field: 'email', code: 'required', message: 'is required to send the invitation by email' }]);
    if (body.send && !mail.mailer.configured) {
      throw validationError('No outgoing mail server is configured', [{ field: 'send', code: 'mail_unavailable', message: 'needs outgoing mail (PROTEAN_SMTP_URL); share the link instead' }]);
    }
    const token = `inv_${randomBytes(24).toString('base64url')}`;
    const [row] = await db.transaction(p.tenantId, (tx) =>
      tx.query<InviteRow>(
        `insert into user_invite (tenant_id, id, token_hash, role, email, created_by, expires_at)
         values ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7::int)) returning *`,
        [p.tenantId, randomUUID(), hashOf(token), body.role, body.email ?? null, p.userId, body.days ?? 7],
      ),
    );
    const path = `/invite/${token}`;
    if (body.send) {
      const locale = body.locale ?? (p.locale === 'zh-CN' ? 'zh-CN' : 'en');
      const words = (await mail.metadata.model(p.tenantId)).words(locale);
      const link = `${(mail.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '')}${path}`;
      // A workspace's own profile is named as the workspace named it; the built-in ones in the invitee's language.
      const [profile] = await db.withTenant(p.tenantId, (q) => q.query<{ name: string }>('select name from acl_profile where tenant_id = $1 and key = $2', [p.tenantId, body.role]));
      const message = inviteMail(words, { inviter: p.userName, workspace: p.tenantName, role: body.role, roleName: profile?.name ?? body.role, link, expiresAt: new Date(row!.expires_at) });
      try {
        await mail.mailer.send({ to: body.email!, ...message, messageId: `<invite-${row!.id}@protean>` });
      } catch (error) {
        await db.transaction(p.tenantId, (tx) => tx.query('delete from user_invite where tenant_id = $1 and id = $2', [p.tenantId, row!.id]));
        // The mail server refused the address (bad input), or could not be reached (try again later).
        if ((error as { code?: string }).code === 'EENVELOPE') {
          throw validationError('The mail server refused this address; no invitation was made', [{ field: 'email', code: 'mail_refused', message: 'was refused by the mail server' }]);
        }
        request.log.warn({ err: error, invite: row!.id }, 'invitation email not sent');
        throw new ProblemError('unavailable', 503, 'Outgoing mail is unavailable for the moment; no invitation was made, retry shortly', [
          { field: 'send', code: 'mail_failed', message: 'the mail server could not be reached' },
        ]);
      }
    }
    return reply.status(201).send({ ...view(row!), token, path, ...(body.send ? { sentTo: body.email } : {}) });
  });

  app.delete('/invites/:id', { schema: { params: IdParam } }, async (request, reply) => {
    const p = await setupOf(request, 'users');
    const { id } = request.params as Static<typeof IdParam>;
    const rows = await db.transaction(p.tenantId, (tx) =>
      // A link someone is joining through right now (claimed, no user yet) can still be revoked: if the join then fails, the link stays dead.
      tx.query('update user_invite set revoked_at = now() where tenant_id = $1 and id = $2 and accepted_user_id is null and revoked_at is null returning id', [p.tenantId, id]),
    );
    if (!rows.length) throw notFound('No open invitation with this id');
    return reply.status(204).send();
  });

  /** Before sign-in: the token alone finds its workspace (system connection, by hash). */
  const open = async (token: string) => {
    const [row] = await db.system((tx) =>
      tx.query<OpenInvite>(
        `select i.*, t.slug, t.name as tenant_name, (select p.name from acl_profile p where p.tenant_id = i.tenant_id and p.key = i.role) as role_name,
                (select jsonb_build_object('id', u.id, 'name', u.name, 'role', u.role, 'locale', u.locale) from app_user u
                  where u.tenant_id = i.tenant_id and u.id = i.created_by and u.active) as inviter
           from user_invite i join tenant t on t.id = i.tenant_id
          where i.token_hash = $1 and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()`,
        [hashOf(token)],
      ),
    );
    if (!row) throw notFound('This invitation link is not valid: it was used, revoked or has expired');
    if (!(await inviterMayStillGive(row))) throw notFound('This invitation link is no longer valid: whoever made it may no longer invite with this profile');
    return row;
  };

  /**
   * A link gives what its inviter may give when it is used, not when it was made: an inviter
   * since deactivated, or who lost the users right or the profile, leaves a dead link (else an
   * administrator about to be removed could keep a way back in).
   */
  const inviterMayStillGive = async (row: OpenInvite): Promise<boolean> => {
    const { inviter } = row;
    if (!inviter) return false;
    const principal: Principal = { tenantId: row.tenant_id, tenantSlug: row.slug, tenantName: row.tenant_name, userId: inviter.id, userName: inviter.name, role: inviter.role, locale: inviter.locale, via: 'session' };
    if (!(await app.access.shapeOf(principal)).setup('users')) return false;
    return (await app.access.profilesGivableBy(principal)).some((profile) => profile.key === row.role && profile.grantable);
  };

  app.get('/invites/token/:token', { schema: { params: TokenParam } }, async (request) => {
    const row = await open((request.params as Static<typeof TokenParam>).token);
    // The workspace's glossary, so the join page names things as the workspace does ("Standard staff member").
    const terms = (await mail.metadata.model(row.tenant_id)).snapshot.terms;
    return { workspace: { slug: row.slug, name: row.tenant_name }, role: row.role, roleName: row.role_name ?? row.role, email: row.email, expiresAt: iso(row.expires_at), terms };
  });

  app.post('/invites/accept', { schema: { body: Accept } }, async (request, reply) => {
    const body = request.body as Static<typeof Accept>;
    const row = await open(body.token);
    if (row.email && row.email.toLowerCase() !== body.email.toLowerCase()) {
      throw validationError('This invitation is for another email', [{ field: 'email', code: 'invite_email', message: 'must be the email the invitation was sent to' }]);
    }
    // Claim first so two people cannot use one link; give it back if the account cannot be made.
    const claimed = await db.transaction(row.tenant_id, (tx) =>
      tx.query('update user_invite set accepted_at = now() where tenant_id = $1 and id = $2 and accepted_at is null and revoked_at is null and expires_at > now() returning id', [row.tenant_id, row.id]),
    );
    if (!claimed.length) throw conflict('This invitation link was just used');
    try {
      const user = await auth.createUser(row.tenant_id, { email: body.email, name: body.name, role: row.role as Role, password: body.password, locale: body.locale });
      await db.transaction(row.tenant_id, (tx) => tx.query('update user_invite set accepted_user_id = $3 where tenant_id = $1 and id = $2', [row.tenant_id, row.id, user.id]));
      // The profile the user joined with was granted by whoever made the invitation: audited as theirs.
      await request.server.access.change(row.tenant_id, async (q) => {
        const [inviter] = await q.query<{ id: string; name: string }>('select id, name from app_user where tenant_id = $1 and id = $2', [row.tenant_id, row.created_by]);
        await AccessService.audit(q, row.tenant_id, inviter ?? { id: user.id, name: user.name }, 'user.create', `user ${user.name}`, { after: { profile: row.role }, invitation: row.id });
      });
      return reply.status(201).send({ workspace: row.slug, email: user.email, role: row.role });
    } catch (error) {
      // Given back, unless this was the link's last taken email: a link for anyone that answered
      // "already used" without end would tell who is a member, one guess at a time.
      const taken = isTakenEmail(error);
      const [back] = await db.transaction(row.tenant_id, (tx) =>
        tx.query<{ revoked: boolean }>(
          `update user_invite set accepted_at = null, taken_email_tries = taken_email_tries + $3::int,
                  revoked_at = coalesce(revoked_at, case when taken_email_tries + $3::int >= ${TAKEN_EMAIL_TRIES} then now() end)
            where tenant_id = $1 and id = $2 returning revoked_at is not null as revoked`,
          [row.tenant_id, row.id, taken ? 1 : 0],
        ),
      );
      if (back?.revoked) {
        throw conflict(`This email is already used in the workspace, and this invitation link has been tried with ${TAKEN_EMAIL_TRIES} such emails: it no longer works. Ask for a new one.`, [
          { field: 'email', code: 'unique', message: 'is already used by another user' },
        ]);
      }
      throw error;
    }
  });
}
