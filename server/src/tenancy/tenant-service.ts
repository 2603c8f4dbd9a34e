import { randomUUID } from 'node:crypto';
import { assignIndexSlots, standardSnapshot, diffSnapshots, type Locale, type Snapshot } from '@protean/metadata';
import { queryOne, type Database } from '../db/database.ts';
import { conflict, validationError } from '../errors/problems.ts';
import type { PasswordHasher } from '../auth/password-hasher.ts';
import { seedAccessDefaults } from '../access/access-service.ts';
import { passwordProblems } from '../auth/password-policy.ts';

export interface NewTenant {
  slug: string;
  name: string;
  /** The workspace's language: its starter workflows are written in it, and its admin reads it. English when absent. */
  locale?: Locale | undefined;
  admin: { email: string; name: string; password: string };
}

export const SLUG_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;

/** Creates a tenant with the standard objects at revision 1 and its first admin. Runs no DDL. */
export async function createTenant(db: Database, input: NewTenant, passwords: PasswordHasher): Promise<{ id: string; slug: string; adminId: string }> {
  const errors = [];
  if (!SLUG_PATTERN.test(input.slug)) errors.push({ field: 'slug', code: 'pattern', message: 'must be 2-63 lowercase letters, digits or dashes, starting with a letter' });
  if (!input.name.trim()) errors.push({ field: 'name', code: 'required', message: 'is required' });
  const locale = input.locale ?? 'en';
  if (locale !== 'en' && locale !== 'zh-CN') errors.push({ field: 'locale', code: 'enum', message: 'is not an allowed value' });
  errors.push(...passwordProblems(input.admin.password, 'admin.password'));
  if (errors.length) throw validationError('The tenant is invalid', errors);

  const tenantId = randomUUID();
  const adminId = randomUUID();
  const passwordHash = await passwords.hash(tenantId, input.admin.password);
  const empty: Snapshot = { revision: 0, objects: [], layouts: [] };
  const snapshot: Snapshot = { ...assignIndexSlots(empty, standardSnapshot()), revision: 1 };
  await db.system(async (tx) => {
    const taken = await queryOne(tx, 'select 1 from tenant where slug = $1', [input.slug]);
    if (taken) throw conflict(`The workspace ${input.slug} already exists`, [{ field: 'slug', code: 'unique', message: 'is already taken' }]);
    await tx.query('insert into tenant (id, slug, name, current_revision, locale) values ($1, $2, $3, 1, $4)', [tenantId, input.slug, input.name, locale]);
    await tx.query('insert into app_user (tenant_id, id, email, name, role, password_hash, locale) values ($1, $2, $3, $4, $5, $6, $7)', [
      tenantId,
      adminId,
      input.admin.email,
      input.admin.name,
      'admin',
      passwordHash,
      locale,
    ]);
    // Profiles exist from the start: anything made with the workspace may name one.
    await seedAccessDefaults(tx, tenantId);
    await tx.query(
      `insert into metadata_revision (tenant_id, revision, snapshot, diff, author_id, author_name, message) values ($1, 1, $2, $3, $4, $5, 'Standard objects')`,
      [tenantId, JSON.stringify(snapshot), JSON.stringify(diffSnapshots(empty, snapshot)), adminId, input.admin.name],
    );
  });
  return { id: tenantId, slug: input.slug, adminId };
}

export async function findTenant(db: Database, slug: string): Promise<{ id: string; slug: string; name: string } | undefined> {
  return db.system((q) => queryOne(q, 'select id, slug, name from tenant where slug = $1', [slug]));
}
